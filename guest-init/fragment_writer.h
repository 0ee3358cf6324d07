// guest-init's writer of tinyrange archives (format:
// builder/archive/archive_format.h), for the capture disk. It writes
// exactly that format: the 16-byte file header, per entry the 56-byte
// header, name, link, extended-attribute block ({u32 key_len, u32
// value_len, key, value}, keys strictly ascending bytewise), data, zero
// padding to a multiple of 8 from the file start, and the all-zero end
// entry. Given the same entries in the same order it produces the same
// bytes as the host's writer; the host validates the result completely.
//
// Output streams through a buffer into pwrite(2) on an fd from a base
// offset, up to a byte limit (the disk's size); past the limit it stops
// writing and reports too_large(), so a full disk is a status, not an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "guest-init/fragment_format.h"

namespace tinyrange {

struct FragmentEntryInfo {
  fragment::EntryType type = fragment::EntryType::kFile;
  std::string_view name;
  std::string_view link;
  std::string_view xattrs;  // an encoded block (EncodeXattr), or empty
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  int64_t mtime = 0;
  uint64_t size = 0;
};

class FragmentWriter {
 public:
  // Writes to `fd` from `offset`, at most `limit` bytes, through `buffer`.
  FragmentWriter(int fd, uint64_t offset, uint64_t limit, uint8_t* buffer, size_t buffer_size);

  // The file header. false on a write error (errno set).
  bool Begin();
  // An entry header with name, link and xattrs; a file's `size` data bytes
  // follow through Data, then Finish pads.
  bool Entry(const FragmentEntryInfo& entry);
  bool Data(const void* data, size_t size);
  bool FinishEntry();
  // The end entry, and everything flushed.
  bool End();

  // Bytes of archive produced (also past the limit).
  uint64_t length() const { return length_; }
  bool too_large() const { return length_ > limit_; }

 private:
  bool Put(const void* data, size_t size);
  bool Flush();

  int fd_;
  uint64_t offset_;
  uint64_t limit_;
  uint8_t* buffer_;
  size_t capacity_;
  size_t used_ = 0;
  uint64_t length_ = 0;   // archive bytes produced
  uint64_t flushed_ = 0;  // archive bytes written to the fd
};

}  // namespace tinyrange
