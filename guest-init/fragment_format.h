// The tinyrange archive format as guest-init reads it: the shared layout
// (builder/archive/archive_layout.h; archive_format.h is the
// specification) plus the entry header's field offsets and little-endian
// accessors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "builder/archive/archive_layout.h"

namespace tinyrange::fragment {

using archive::EntryType;
using archive::kAlignment;
using archive::kEntryHeaderSize;
using archive::kEntryMagic;
using archive::kFileHeaderSize;
using archive::kFileMagic;
using archive::kFormatVersion;
using archive::kMaxLinkLength;
using archive::kMaxNameLength;
using archive::kMaxXattrBlock;

// Entry header field offsets.
inline constexpr size_t kOffMagic = 0, kOffType = 4, kOffMode = 8, kOffUid = 12, kOffGid = 16,
                        kOffDevMajor = 20, kOffDevMinor = 24, kOffMtime = 28, kOffNameLen = 36,
                        kOffLinkLen = 40, kOffXattrLen = 44, kOffSize = 48;

// nullptr if `name` is a valid entry name, else what is wrong.
inline const char* CheckEntryName(std::string_view name) { return archive::EntryNameProblem(name); }

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
