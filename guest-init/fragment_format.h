// guest-init's copy of the constants of the tinyrange archive format
// (builder/archive/archive_format.h, which is the specification): that
// header pulls in std::string and exceptions, which guest-init cannot link.
// Read it for the layout; the numbers here must stay equal to its.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tinyrange::fragment {

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

// Entry header field offsets.
inline constexpr size_t kOffMagic = 0, kOffType = 4, kOffMode = 8, kOffUid = 12, kOffGid = 16,
                        kOffDevMajor = 20, kOffDevMinor = 24, kOffMtime = 28, kOffNameLen = 36,
                        kOffLinkLen = 40, kOffXattrLen = 44, kOffSize = 48;

// nullptr if `name` is a valid entry name (relative, no empty, "." or ".."
// component, no trailing '/', no NUL, 1..4095 bytes), else what is wrong.
const char* CheckEntryName(std::string_view name);

inline uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
inline uint64_t GetU64(const uint8_t* p) { return GetU32(p) | uint64_t{GetU32(p + 4)} << 32; }
inline void PutU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void PutU64(uint8_t* p, uint64_t v) {
  PutU32(p, static_cast<uint32_t>(v));
  PutU32(p + 4, static_cast<uint32_t>(v >> 32));
}

}  // namespace tinyrange::fragment
