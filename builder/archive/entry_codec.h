// The byte-level pieces of the archive format shared by the writer and the
// reader (internal to builder/archive): the 56-byte entry header, the
// extended-attribute block, and the rules an entry must follow apart from
// those that need the rest of the archive (a hard link's target).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "builder/archive/archive_format.h"

namespace tinyrange::archive::codec {

void PutU32(char* out, uint32_t value);
void PutU64(char* out, uint64_t value);
uint32_t GetU32(const char* in);
uint64_t GetU64(const char* in);

// The header fields as stored; `type` is kept as a byte so that a reader
// can report an unknown value.
struct RawHeader {
  uint32_t magic = kEntryMagic;
  uint8_t type = 0;
  uint8_t reserved[3] = {0, 0, 0};
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  int64_t mtime = 0;
  uint32_t name_len = 0;
  uint32_t link_len = 0;
  uint32_t xattr_len = 0;
  uint64_t size = 0;
};

void EncodeHeader(const RawHeader& header, char out[kEntryHeaderSize]);
RawHeader DecodeHeader(const char in[kEntryHeaderSize]);

// The header for `entry` whose xattr block is `xattr_len` bytes.
RawHeader HeaderFor(const Entry& entry, uint32_t xattr_len);

// Bytes of the xattr block for `xattrs` (which CheckEntryFields accepted).
std::string EncodeXattrs(const std::vector<std::pair<std::string, std::string>>& xattrs);
// Parses a block; on a malformed one returns false with *error saying
// what is wrong (including key order).
bool DecodeXattrs(std::string_view block, std::vector<std::pair<std::string, std::string>>* xattrs, std::string* error);

// Empty if the entry follows every per-entry rule of the format (type,
// name, mode mask, link and device fields for its type, size only for
// files, xattr keys non-empty, NUL-free, strictly ascending, block within
// the limit); else what is wrong. Hard-link targets are checked by the
// caller, which knows the earlier entries.
std::string CheckEntryFields(const Entry& entry);

// How many zero bytes follow `offset` to reach the next multiple of
// kAlignment.
inline uint64_t PaddingAfter(uint64_t offset) { return (kAlignment - offset % kAlignment) % kAlignment; }

}  // namespace tinyrange::archive::codec
