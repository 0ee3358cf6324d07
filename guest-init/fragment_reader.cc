#include "guest-init/fragment_reader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

namespace tinyrange {

using fragment::EntryType;
using fragment::GetU32;
using fragment::GetU64;

namespace {

struct FileRecord {
  uint64_t hash;
  size_t offset;
  size_t length;
};

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

const char* TypeName(EntryType type) { return archive::EntryTypeName(type); }

}  // namespace

bool NextFragmentXattr(const uint8_t** block, uint32_t* len, std::string_view* key,
                       std::string_view* value) {
  if (*len == 0) return false;
  // Validated by the reader: the lengths fit the block.
  uint32_t key_len = GetU32(*block);
  uint32_t value_len = GetU32(*block + 4);
  *key = std::string_view(reinterpret_cast<const char*>(*block + 8), key_len);
  *value = std::string_view(reinterpret_cast<const char*>(*block + 8 + key_len), value_len);
  *block += 8 + key_len + value_len;
  *len -= 8 + key_len + value_len;
  return true;
}

FragmentReader::FragmentReader(int fd, uint64_t offset, uint64_t size, uint8_t* buffer,
                               size_t buffer_size)
    : fd_(fd), base_(offset), size_(size), buffer_(buffer), capacity_(buffer_size) {}

bool FragmentReader::Fail(uint64_t at, const char* message) {
  snprintf(error_, sizeof(error_), "offset %llu: %s", static_cast<unsigned long long>(at), message);
  return false;
}

bool FragmentReader::Fill(size_t want, const char* what) {
  if (end_ - start_ >= want) return true;
  if (start_ > 0) {
    memmove(buffer_, buffer_ + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  while (end_ < want) {
    uint64_t left = size_ - fetched_;
    if (left == 0) {
      char message[200];
      snprintf(message, sizeof(message), "the archive is truncated: it ends inside %s", what);
      return Fail(pos_ + end_, message);
    }
    size_t room = capacity_ - end_;
    size_t n = left < room ? static_cast<size_t>(left) : room;
    ssize_t got = pread(fd_, buffer_ + end_, n, static_cast<off_t>(base_ + fetched_));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      char message[200];
      snprintf(message, sizeof(message), "cannot read the disk: %s", strerror(errno));
      return Fail(pos_ + end_, message);
    }
    if (got == 0) return Fail(pos_ + end_, "the disk ends before the part does");
    sha_.Update(buffer_ + end_, static_cast<size_t>(got));
    fetched_ += static_cast<uint64_t>(got);
    end_ += static_cast<size_t>(got);
  }
  return true;
}

bool FragmentReader::Take(void* out, size_t n, const char* what) {
  uint8_t* dst = static_cast<uint8_t*>(out);
  while (n > 0) {
    if (!Fill(1, what)) return false;
    size_t chunk = end_ - start_ < n ? end_ - start_ : n;
    memcpy(dst, buffer_ + start_, chunk);
    start_ += chunk;
    pos_ += chunk;
    dst += chunk;
    n -= chunk;
  }
  return true;
}

bool FragmentReader::Start() {
  if (capacity_ < kMinBuffer) return Fail(0, "read buffer too small");
  uint8_t header[fragment::kFileHeaderSize];
  if (!Take(header, sizeof(header), "the file header")) return false;
  if (memcmp(header, fragment::kFileMagic, 8) != 0) {
    return Fail(0, "not a tinyrange archive (bad magic)");
  }
  if (GetU32(header + 8) != fragment::kFormatVersion) return Fail(8, "unsupported format version");
  if (GetU32(header + 12) != 0) return Fail(12, "unknown flags");
  return true;
}

bool FragmentReader::SkipPadding() {
  size_t padding = static_cast<size_t>((fragment::kAlignment - pos_ % fragment::kAlignment) %
                                       fragment::kAlignment);
  uint8_t zeros[fragment::kAlignment];
  uint64_t at = pos_;
  if (!Take(zeros, padding, "padding")) return false;
  for (size_t i = 0; i < padding; ++i) {
    if (zeros[i] != 0) return Fail(at + i, "padding byte is not zero");
  }
  return true;
}

bool FragmentReader::ParseXattrs(uint64_t at) {
  const uint8_t* p = xattrs_.data();
  size_t left = xattrs_.size();
  std::string_view previous;
  bool first = true;
  while (left > 0) {
    if (left < 8) return Fail(at, "the extended attribute block ends inside a length pair");
    uint64_t key_len = GetU32(p);
    uint64_t value_len = GetU32(p + 4);
    if (key_len + value_len > left - 8)
      return Fail(at, "an extended attribute runs past its block");
    std::string_view key(reinterpret_cast<const char*>(p + 8), static_cast<size_t>(key_len));
    if (key.empty()) return Fail(at, "an extended attribute has an empty key");
    if (key.find('\0') != std::string_view::npos) {
      return Fail(at, "an extended attribute key contains a NUL byte");
    }
    if (!first && !(previous < key)) {
      return Fail(at, "extended attribute keys are not strictly ascending");
    }
    previous = key;
    first = false;
    size_t used = static_cast<size_t>(8 + key_len + value_len);
    p += used;
    left -= used;
    at += used;
  }
  return true;
}

bool FragmentReader::KnownFile(std::string_view name) const {
  uint64_t hash = Fnv1a(name);
  const FileRecord* records = reinterpret_cast<const FileRecord*>(file_index_.data());
  size_t count = file_index_.size() / sizeof(FileRecord);
  for (size_t i = 0; i < count; ++i) {
    if (records[i].hash == hash && records[i].length == name.size() &&
        memcmp(file_names_.data() + records[i].offset, name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

bool FragmentReader::RememberFile(const FragmentEntry& entry) {
  std::string_view name(entry.name, entry.name_len);
  FileRecord record{Fnv1a(name), file_names_.size(), name.size()};
  if (!file_names_.Append(name.data(), name.size()) ||
      !file_index_.Append(&record, sizeof(record))) {
    return Fail(pos_, "out of memory");
  }
  return true;
}

int FragmentReader::Next(FragmentEntry* entry) {
  // Whatever the caller did not read of the previous file's data.
  const uint8_t* chunk;
  size_t len;
  do {
    if (!ReadData(&chunk, &len)) return -1;
  } while (len > 0);
  if (!SkipPadding()) return -1;

  uint64_t at = pos_;
  uint8_t h[fragment::kEntryHeaderSize];
  if (!Take(h, sizeof(h), "an entry header")) return -1;
  if (GetU32(h + fragment::kOffMagic) != fragment::kEntryMagic) {
    Fail(at, "bad entry magic (not at an entry header)");
    return -1;
  }
  uint8_t type = h[fragment::kOffType];
  if (type == static_cast<uint8_t>(EntryType::kEnd)) {
    for (size_t i = 4; i < sizeof(h); ++i) {
      if (h[i] != 0) {
        Fail(at + i, "the end entry has a nonzero field");
        return -1;
      }
    }
    if (pos_ != size_) {
      Fail(pos_, "data follows the end entry");
      return -1;
    }
    return 0;
  }
  if (type > static_cast<uint8_t>(EntryType::kFifo)) {
    Fail(at + 4, "unknown entry type");
    return -1;
  }
  if (h[5] != 0 || h[6] != 0 || h[7] != 0) {
    Fail(at + 5, "reserved header bytes are not zero");
    return -1;
  }
  FragmentEntry& e = *entry;
  e.type = static_cast<EntryType>(type);
  e.mode = GetU32(h + fragment::kOffMode);
  e.uid = GetU32(h + fragment::kOffUid);
  e.gid = GetU32(h + fragment::kOffGid);
  e.dev_major = GetU32(h + fragment::kOffDevMajor);
  e.dev_minor = GetU32(h + fragment::kOffDevMinor);
  e.mtime = static_cast<int64_t>(GetU64(h + fragment::kOffMtime));
  e.name_len = GetU32(h + fragment::kOffNameLen);
  e.link_len = GetU32(h + fragment::kOffLinkLen);
  e.xattr_len = GetU32(h + fragment::kOffXattrLen);
  e.size = GetU64(h + fragment::kOffSize);
  e.xattrs = nullptr;
  e.name[0] = '\0';
  e.link[0] = '\0';

  if (e.name_len == 0 || e.name_len > fragment::kMaxNameLength) {
    Fail(at + 36, "name length is outside 1..4095");
    return -1;
  }
  if (e.link_len > fragment::kMaxLinkLength) {
    Fail(at + 40, "link length is over the limit of 4095");
    return -1;
  }
  if (e.xattr_len > fragment::kMaxXattrBlock) {
    Fail(at + 44, "extended attribute block is over the limit of 1 MiB");
    return -1;
  }
  bool is_link = e.type == EntryType::kSymlink || e.type == EntryType::kHardLink;
  bool is_device = e.type == EntryType::kCharDevice || e.type == EntryType::kBlockDevice;
  char message[400];
  if (is_link != (e.link_len != 0)) {
    snprintf(message, sizeof(message), "a %s %s a link target", TypeName(e.type),
             is_link ? "without" : "with");
    Fail(at + 40, message);
    return -1;
  }
  if (!is_device && (e.dev_major != 0 || e.dev_minor != 0)) {
    snprintf(message, sizeof(message), "a %s has device numbers", TypeName(e.type));
    Fail(at + 20, message);
    return -1;
  }
  if (e.type != EntryType::kFile && e.size != 0) {
    snprintf(message, sizeof(message), "a %s has data", TypeName(e.type));
    Fail(at + 48, message);
    return -1;
  }
  if (e.mode & ~07777u) {
    Fail(at + 8, "mode has bits outside 07777");
    return -1;
  }
  if (!Take(e.name, e.name_len, "an entry name")) return -1;
  e.name[e.name_len] = '\0';
  if (!Take(e.link, e.link_len, "a link target")) return -1;
  e.link[e.link_len] = '\0';
  uint64_t xattrs_at = pos_;
  xattrs_.clear();
  if (!xattrs_.Resize(e.xattr_len)) {
    Fail(xattrs_at, "out of memory");
    return -1;
  }
  if (!Take(xattrs_.data(), e.xattr_len, "an extended attribute block")) return -1;
  if (!ParseXattrs(xattrs_at)) return -1;
  e.xattrs = xattrs_.data();

  std::string_view name(e.name, e.name_len);
  if (const char* problem = fragment::CheckEntryName(name)) {
    snprintf(message, sizeof(message), "entry '%.60s': %s", e.name, problem);
    Fail(at, message);
    return -1;
  }
  std::string_view link(e.link, e.link_len);
  if (e.type == EntryType::kSymlink && link.find('\0') != std::string_view::npos) {
    Fail(at + 40, "the symlink target contains a NUL byte");
    return -1;
  }
  if (e.type == EntryType::kHardLink) {
    if (const char* problem = fragment::CheckEntryName(link)) {
      snprintf(message, sizeof(message), "hard link '%.60s': its target is not a valid name: %s",
               e.name, problem);
      Fail(at, message);
      return -1;
    }
    if (!KnownFile(link)) {
      snprintf(message, sizeof(message),
               "hard link '%.60s' names '%.60s', which is not an earlier regular file", e.name,
               e.link);
      Fail(at, message);
      return -1;
    }
  }
  if (e.type == EntryType::kFile) {
    if (!RememberFile(e)) return -1;
    remaining_ = e.size;
  }
  return 1;
}

bool FragmentReader::ReadData(const uint8_t** data, size_t* len) {
  *len = 0;
  if (remaining_ == 0) return true;
  if (end_ == start_ && !Fill(1, "file data")) return false;
  size_t avail = end_ - start_;
  size_t n = remaining_ < avail ? static_cast<size_t>(remaining_) : avail;
  *data = buffer_ + start_;
  *len = n;
  start_ += n;
  pos_ += n;
  remaining_ -= n;
  return true;
}

void FragmentReader::Digest(uint8_t out[kSha256Size]) { sha_.Finish(out); }

}  // namespace tinyrange
