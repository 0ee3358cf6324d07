// A writer for cpio archives in the "newc" format (magic 070701), the only
// format the Linux kernel unpacks as an initramfs. tinyrange uses it for the
// small initramfs that carries guest-init and its config.
//
// Output is deterministic: the bytes depend only on the calls made, in
// order. Inode numbers are assigned 1, 2, 3, ... in entry order, device
// numbers of the archive itself are 0, and every field not given by the
// caller has a fixed value (mtime: CpioWriterOptions::default_mtime).
//
// Layout of each entry: a 110-byte ASCII header (magic and 13 fields of 8
// hex digits), the name with its NUL, zero padding to a multiple of 4
// bytes, the data (file contents, or a symlink's target without NUL), zero
// padding to a multiple of 4. Finish() writes the "TRAILER!!!" entry and
// pads the archive with zeros to a multiple of 512 bytes.
//
// Hard links follow the newc convention: the entries of one inode share
// its inode number and link count, and only the last of them carries the
// data (the others have size 0). AddHardLinkedFile writes such a group in
// one call, so the writer never has to hold data back.
//
// Names are relative ("bin/sh", never "/bin/sh"): no empty, "." or ".."
// component, no NUL, at most 4095 bytes, and never "TRAILER!!!", which
// would end the archive early. Invalid input throws CpioError before any
// byte of the entry is written, so the writer stays usable; a failure while
// writing (the sink, or a host file that changes while it is read) leaves
// the archive incomplete, and every later call throws.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tinyrange {

class CpioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where archive bytes go.
class CpioSink {
 public:
  virtual ~CpioSink() = default;
  // Writes all of `bytes` or throws CpioError.
  virtual void Write(std::span<const uint8_t> bytes) = 0;
};

// Appends to a vector.
class VectorCpioSink : public CpioSink {
 public:
  explicit VectorCpioSink(std::vector<uint8_t>* out) : out_(out) {}
  void Write(std::span<const uint8_t> bytes) override;

 private:
  std::vector<uint8_t>* out_;
};

// Writes a file (created or truncated, mode 0644). Close() reports errors
// that only show when the file is closed; the destructor closes silently.
class FileCpioSink : public CpioSink {
 public:
  explicit FileCpioSink(const std::filesystem::path& path);
  ~FileCpioSink() override;
  FileCpioSink(const FileCpioSink&) = delete;
  FileCpioSink& operator=(const FileCpioSink&) = delete;

  void Write(std::span<const uint8_t> bytes) override;
  void Close();

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

// Metadata of one entry. `mode` holds the permission bits only (07777); the
// file type comes from the Add* call. A constructor rather than designated
// initializers, which GCC 12 -Wextra flags when a field is left out.
struct CpioMetadata {
  CpioMetadata(uint32_t mode_bits = 0644, uint32_t uid_value = 0, uint32_t gid_value = 0,
               std::optional<uint32_t> mtime_value = std::nullopt)
      : mode(mode_bits), uid(uid_value), gid(gid_value), mtime(mtime_value) {}

  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  std::optional<uint32_t> mtime;  // unset: the writer's default_mtime
};

struct CpioWriterOptions {
  // mtime of entries that do not set one. Unset: SOURCE_DATE_EPOCH from the
  // environment (reproducible-builds convention) when set, else 0.
  std::optional<uint32_t> default_mtime;
  // Create missing parent directories of every entry (with
  // parent_directory_metadata), as EnsureParents does.
  bool auto_parents = false;
  CpioMetadata parent_directory_metadata{0755};
};

class CpioWriter {
 public:
  // `sink` must outlive the writer. Throws CpioError if SOURCE_DATE_EPOCH
  // is needed and is not a decimal number that fits in 32 bits.
  explicit CpioWriter(CpioSink* sink, CpioWriterOptions options = {});

  void AddDirectory(std::string_view name, const CpioMetadata& meta);
  void AddFile(std::string_view name, std::span<const uint8_t> data, const CpioMetadata& meta);
  void AddFile(std::string_view name, std::string_view data, const CpioMetadata& meta);
  // Streams the contents of `host_path` (a regular file; read in chunks,
  // never held whole). Only the contents are taken from the host file;
  // metadata comes from `meta`, so the output stays deterministic.
  void AddFileFromHost(std::string_view name, const std::filesystem::path& host_path,
                       const CpioMetadata& meta);
  // One inode under several names (at least one); `data` goes with the last.
  void AddHardLinkedFile(std::span<const std::string> names, std::span<const uint8_t> data,
                         const CpioMetadata& meta);
  void AddSymlink(std::string_view name, std::string_view target, const CpioMetadata& meta);
  void AddCharDevice(std::string_view name, uint32_t major, uint32_t minor,
                     const CpioMetadata& meta);
  void AddBlockDevice(std::string_view name, uint32_t major, uint32_t minor,
                      const CpioMetadata& meta);
  void AddFifo(std::string_view name, const CpioMetadata& meta);

  // Adds each missing parent directory of `name` ("a", "a/b" for "a/b/c"),
  // outermost first. Throws if a parent exists and is not a directory.
  void EnsureParents(std::string_view name, const CpioMetadata& dir_meta = CpioMetadata(0755));

  // Writes the trailer and the final padding. No entry may follow.
  void Finish();

  // Checks a name against the rules above; returns an empty string if it is
  // valid, else what is wrong.
  static std::string CheckName(std::string_view name);

  uint64_t bytes_written() const { return offset_; }

 private:
  struct Header {
    uint32_t mode = 0;  // type and permission bits
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t nlink = 1;
    uint32_t mtime = 0;
    uint64_t size = 0;
    uint32_t rdev_major = 0;
    uint32_t rdev_minor = 0;
  };

  // Throws if the archive is finished or broken by an earlier failure.
  void CheckUsable() const;
  // Validates the name, records it, and adds parents if auto_parents.
  void BeginEntry(std::string_view name, uint32_t type);
  void WriteHeader(std::string_view name, uint32_t ino, const Header& header);
  void WriteBytes(std::span<const uint8_t> bytes);
  void PadTo(uint64_t alignment);
  Header MakeHeader(uint32_t type, const CpioMetadata& meta, uint64_t size);
  void AddDevice(std::string_view name, uint32_t type, uint32_t major, uint32_t minor,
                 const CpioMetadata& meta);

  CpioSink* sink_;
  CpioWriterOptions options_;
  uint32_t default_mtime_ = 0;
  uint32_t next_ino_ = 1;
  uint64_t offset_ = 0;
  bool finished_ = false;
  bool in_entry_ = false;  // an entry's bytes are partly written
  std::map<std::string, uint32_t, std::less<>> types_;  // name -> S_IF* type
};

}  // namespace tinyrange
