// guest-init's reader of tinyrange archives ("fragments", format in
// builder/archive/archive_format.h). The host's reader there throws and
// uses std::string, so guest-init has this one: no exceptions, a fixed
// caller-supplied buffer, and every rule of the format checked (it reads
// what a guest is about to trust as its root filesystem).
//
// It streams bytes [offset, offset + size) of a file descriptor with pread
// in one pass and hashes them as they are read, so a part of the archive
// disk is checked against its SHA-256 without a second read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "guest-init/byte_buffer.h"
#include "guest-init/fragment_format.h"
#include "guest-init/sha256.h"

namespace tinyrange {

// One entry without its data. name and link are NUL-terminated.
struct FragmentEntry {
  fragment::EntryType type = fragment::EntryType::kEnd;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  int64_t mtime = 0;
  uint64_t size = 0;
  uint32_t name_len = 0;
  uint32_t link_len = 0;
  char name[fragment::kMaxNameLength + 1] = {};
  char link[fragment::kMaxLinkLength + 1] = {};
  // The validated extended-attribute block (keys strictly ascending), for
  // NextFragmentXattr; points into the reader and lives until the next
  // call of Next.
  const uint8_t* xattrs = nullptr;
  uint32_t xattr_len = 0;
};

// Takes the next {key, value} from a validated xattr block.
bool NextFragmentXattr(const uint8_t** block, uint32_t* len, std::string_view* key,
                       std::string_view* value);

class FragmentReader {
 public:
  // The smallest buffer accepted: a header plus a name and a link target
  // must fit in it at once.
  static constexpr size_t kMinBuffer = 16384;

  // Reads bytes [offset, offset + size) of `fd` through `buffer` (at least
  // kMinBuffer bytes, reused by the caller for each fragment).
  FragmentReader(int fd, uint64_t offset, uint64_t size, uint8_t* buffer, size_t buffer_size);

  // Reads and checks the file header.
  bool Start();
  // 1: *entry holds the next entry; 0: the end entry was read and nothing
  // follows it; -1: error (see error()).
  int Next(FragmentEntry* entry);
  // The next chunk of the current file entry's data (*len is 0 when the
  // data is done). The chunk points into the buffer and stays valid until
  // the next call. false on error.
  bool ReadData(const uint8_t** data, size_t* len);
  // After Next returned 0: the SHA-256 of all `size` bytes.
  void Digest(uint8_t out[kSha256Size]);

  // "offset N: what is wrong".
  const char* error() const { return error_; }

 private:
  bool Fail(uint64_t at, const char* message);
  bool Fill(size_t want, const char* what);          // ensure `want` contiguous bytes
  bool Take(void* out, size_t n, const char* what);  // copy n bytes
  bool SkipPadding();
  bool ParseXattrs(uint64_t at);
  bool RememberFile(const FragmentEntry& entry);
  bool KnownFile(std::string_view name) const;

  int fd_;
  uint64_t base_;
  uint64_t size_;
  uint8_t* buffer_;
  size_t capacity_;
  size_t start_ = 0;        // first unconsumed byte in buffer_
  size_t end_ = 0;          // end of valid bytes in buffer_
  uint64_t pos_ = 0;        // fragment offset of buffer_[start_]
  uint64_t fetched_ = 0;    // fragment bytes read (and hashed) so far
  uint64_t remaining_ = 0;  // data bytes of the current file entry
  Sha256 sha_;
  ByteBuffer xattrs_;
  // Names of the regular files so far, for hard links: an arena of names
  // and an array of {hash, offset, length} records scanned linearly (hard
  // links are rare, and comparing 64-bit hashes is cheap).
  ByteBuffer file_names_;
  ByteBuffer file_index_;
  char error_[480] = {};
};

}  // namespace tinyrange
