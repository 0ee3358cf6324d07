// The numbers and rules of the tinyrange archive format that both of its
// readers share: the host's (archive_format.h, which specifies the format)
// and guest-init's (guest-init/fragment_reader.h). Header-only, without
// allocation or exceptions, so that guest-init — a static PID 1 built
// against musl — can include it and the two readers cannot drift apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tinyrange::archive {

inline constexpr char kFileMagic[8] = {'T', 'R', 'F', 'R', 'A', 'G', '0', '1'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint32_t kEntryMagic = 0x4e455254;  // "TREN" in file order
inline constexpr size_t kFileHeaderSize = 16;
inline constexpr size_t kEntryHeaderSize = 56;
inline constexpr size_t kAlignment = 8;
inline constexpr uint32_t kMaxNameLength = 4095;
inline constexpr uint32_t kMaxLinkLength = 4095;
inline constexpr uint32_t kMaxXattrBlock = 1 << 20;

enum class EntryType : uint8_t {
  kEnd = 0,
  kFile = 1,
  kDirectory = 2,
  kSymlink = 3,
  kHardLink = 4,
  kCharDevice = 5,
  kBlockDevice = 6,
  kFifo = 7,
};

inline const char* EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kEnd: return "end";
    case EntryType::kFile: return "file";
    case EntryType::kDirectory: return "directory";
    case EntryType::kSymlink: return "symlink";
    case EntryType::kHardLink: return "hard link";
    case EntryType::kCharDevice: return "character device";
    case EntryType::kBlockDevice: return "block device";
    case EntryType::kFifo: return "fifo";
  }
  return "unknown";
}

// nullptr if `name` is a valid entry name: 1..kMaxNameLength bytes, no NUL,
// relative, no trailing '/', no empty, "." or ".." component. Else what is
// wrong, as static text.
inline const char* EntryNameProblem(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > kMaxNameLength) return "the name is longer than 4095 bytes";
  if (name.find('\0') != std::string_view::npos) return "the name contains a NUL byte";
  if (name.front() == '/') return "the name is an absolute path";
  if (name.back() == '/') return "the name ends with '/'";
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view component(name.data() + start, end - start);
    if (component.empty()) return "the name has an empty component ('//')";
    if (component == ".") return "the name has a '.' component";
    if (component == "..") return "the name has a '..' component";
    start = end + 1;
  }
  return nullptr;
}

}  // namespace tinyrange::archive
