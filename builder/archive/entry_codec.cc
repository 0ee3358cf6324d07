#include "builder/archive/entry_codec.h"

#include <cstring>

namespace tinyrange::archive::codec {

void PutU32(char* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

void PutU64(char* out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

uint32_t GetU32(const char* in) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(in[i]);
  return value;
}

uint64_t GetU64(const char* in) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(in[i]);
  return value;
}

void EncodeHeader(const RawHeader& header, char out[kEntryHeaderSize]) {
  PutU32(out + 0, header.magic);
  out[4] = static_cast<char>(header.type);
  std::memcpy(out + 5, header.reserved, 3);
  PutU32(out + 8, header.mode);
  PutU32(out + 12, header.uid);
  PutU32(out + 16, header.gid);
  PutU32(out + 20, header.dev_major);
  PutU32(out + 24, header.dev_minor);
  PutU64(out + 28, static_cast<uint64_t>(header.mtime));
  PutU32(out + 36, header.name_len);
  PutU32(out + 40, header.link_len);
  PutU32(out + 44, header.xattr_len);
  PutU64(out + 48, header.size);
}

RawHeader DecodeHeader(const char in[kEntryHeaderSize]) {
  RawHeader header;
  header.magic = GetU32(in + 0);
  header.type = static_cast<uint8_t>(in[4]);
  std::memcpy(header.reserved, in + 5, 3);
  header.mode = GetU32(in + 8);
  header.uid = GetU32(in + 12);
  header.gid = GetU32(in + 16);
  header.dev_major = GetU32(in + 20);
  header.dev_minor = GetU32(in + 24);
  header.mtime = static_cast<int64_t>(GetU64(in + 28));
  header.name_len = GetU32(in + 36);
  header.link_len = GetU32(in + 40);
  header.xattr_len = GetU32(in + 44);
  header.size = GetU64(in + 48);
  return header;
}

RawHeader HeaderFor(const Entry& entry, uint32_t xattr_len) {
  RawHeader header;
  header.type = static_cast<uint8_t>(entry.type);
  header.mode = entry.mode;
  header.uid = entry.uid;
  header.gid = entry.gid;
  header.dev_major = entry.dev_major;
  header.dev_minor = entry.dev_minor;
  header.mtime = entry.mtime;
  header.name_len = static_cast<uint32_t>(entry.name.size());
  header.link_len = static_cast<uint32_t>(entry.link.size());
  header.xattr_len = xattr_len;
  header.size = entry.size;
  return header;
}

std::string EncodeXattrs(const std::vector<std::pair<std::string, std::string>>& xattrs) {
  std::string block;
  for (const auto& [key, value] : xattrs) {
    char lengths[8];
    PutU32(lengths, static_cast<uint32_t>(key.size()));
    PutU32(lengths + 4, static_cast<uint32_t>(value.size()));
    block.append(lengths, sizeof lengths);
    block += key;
    block += value;
  }
  return block;
}

namespace {

std::string CheckXattrKey(const std::string& key, const std::string* previous) {
  if (key.empty()) return "an extended attribute has an empty key";
  if (key.find('\0') != std::string::npos) return "extended attribute key '" + key + "' contains a NUL byte";
  if (previous && !(*previous < key)) {
    return "extended attribute keys are not strictly ascending ('" + *previous + "' then '" + key + "')";
  }
  return "";
}

}  // namespace

bool DecodeXattrs(std::string_view block, std::vector<std::pair<std::string, std::string>>* xattrs,
                  std::string* error) {
  xattrs->clear();
  size_t at = 0;
  while (at < block.size()) {
    if (block.size() - at < 8) {
      *error = "the extended attribute block ends inside a key/value length pair at byte " + std::to_string(at);
      return false;
    }
    uint64_t key_len = GetU32(block.data() + at);
    uint64_t value_len = GetU32(block.data() + at + 4);
    at += 8;
    if (key_len + value_len > block.size() - at) {
      *error = "an extended attribute at byte " + std::to_string(at - 8) + " of the block runs past its end";
      return false;
    }
    std::string key(block.substr(at, key_len));
    std::string value(block.substr(at + key_len, value_len));
    at += key_len + value_len;
    std::string problem = CheckXattrKey(key, xattrs->empty() ? nullptr : &xattrs->back().first);
    if (!problem.empty()) {
      *error = problem;
      return false;
    }
    xattrs->emplace_back(std::move(key), std::move(value));
  }
  return true;
}

std::string CheckEntryFields(const Entry& entry) {
  auto type = static_cast<uint8_t>(entry.type);
  if (type < static_cast<uint8_t>(EntryType::kFile) || type > static_cast<uint8_t>(EntryType::kFifo)) {
    return "entry type " + std::to_string(type) + " is not a valid entry type";
  }
  std::string problem = CheckEntryName(entry.name);
  if (!problem.empty()) return problem;
  if (entry.mode & ~07777u) return "mode " + std::to_string(entry.mode) + " has bits outside 07777";

  bool is_link = entry.type == EntryType::kSymlink || entry.type == EntryType::kHardLink;
  if (!is_link && !entry.link.empty()) return std::string("a ") + EntryTypeName(entry.type) + " has a link target";
  if (entry.type == EntryType::kSymlink) {
    if (entry.link.empty()) return "the symlink target is empty";
    if (entry.link.size() > kMaxLinkLength) {
      return "the symlink target is " + std::to_string(entry.link.size()) + " bytes long, more than the limit of " +
             std::to_string(kMaxLinkLength);
    }
    if (entry.link.find('\0') != std::string::npos) return "the symlink target contains a NUL byte";
  }
  if (entry.type == EntryType::kHardLink) {
    std::string target = CheckEntryName(entry.link);
    if (!target.empty()) return "hard link target '" + entry.link + "' is not a valid name: " + target;
  }

  bool is_device = entry.type == EntryType::kCharDevice || entry.type == EntryType::kBlockDevice;
  if (!is_device && (entry.dev_major != 0 || entry.dev_minor != 0)) {
    return std::string("a ") + EntryTypeName(entry.type) + " has device numbers";
  }
  if (entry.type != EntryType::kFile && entry.size != 0) {
    return std::string("a ") + EntryTypeName(entry.type) + " has data (size " + std::to_string(entry.size) + ")";
  }

  uint64_t block = 0;
  for (size_t i = 0; i < entry.xattrs.size(); ++i) {
    const auto& [key, value] = entry.xattrs[i];
    problem = CheckXattrKey(key, i == 0 ? nullptr : &entry.xattrs[i - 1].first);
    if (!problem.empty()) return problem;
    block += 8 + key.size() + value.size();
    if (block > kMaxXattrBlock) {
      return "the extended attributes take more than the limit of " + std::to_string(kMaxXattrBlock) + " bytes";
    }
  }
  return "";
}

}  // namespace tinyrange::archive::codec
