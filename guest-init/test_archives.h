// Test helpers: a straightforward encoder of tinyrange archives and archive
// disks written from the format specifications (builder/archive/
// archive_format.h, vmm/virtio/archive_disk.h), independent of guest-init's
// own reader and writer, and a temporary directory.
#pragma once

#include <fcntl.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "guest-init/fragment_format.h"

namespace tinyrange::testing {

struct TestEntry {
  fragment::EntryType type = fragment::EntryType::kFile;
  std::string name;
  uint32_t mode = 0644;
  std::string data;  // files
  std::string link;  // symlink target / hard-link target
  int64_t mtime = 1700000000;
  uint32_t uid = 0, gid = 0, dev_major = 0, dev_minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

inline TestEntry File(std::string name, std::string data, uint32_t mode = 0644) {
  TestEntry e;
  e.name = std::move(name);
  e.data = std::move(data);
  e.mode = mode;
  return e;
}
inline TestEntry Dir(std::string name, uint32_t mode = 0755) {
  TestEntry e;
  e.type = fragment::EntryType::kDirectory;
  e.name = std::move(name);
  e.mode = mode;
  return e;
}
inline TestEntry Symlink(std::string name, std::string target) {
  TestEntry e;
  e.type = fragment::EntryType::kSymlink;
  e.name = std::move(name);
  e.link = std::move(target);
  e.mode = 0777;
  return e;
}
inline TestEntry HardLink(std::string name, std::string target) {
  TestEntry e;
  e.type = fragment::EntryType::kHardLink;
  e.name = std::move(name);
  e.link = std::move(target);
  return e;
}

inline void Put32(std::string* s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>(v >> (8 * i)));
}
inline void Put64(std::string* s, uint64_t v) {
  Put32(s, static_cast<uint32_t>(v));
  Put32(s, static_cast<uint32_t>(v >> 32));
}
inline void Pad8(std::string* s) {
  while (s->size() % 8 != 0) s->push_back('\0');
}

inline std::string EncodeEntry(const TestEntry& e) {
  std::string x;
  for (const auto& [k, v] : e.xattrs) {
    Put32(&x, static_cast<uint32_t>(k.size()));
    Put32(&x, static_cast<uint32_t>(v.size()));
    x += k;
    x += v;
  }
  std::string s;
  Put32(&s, fragment::kEntryMagic);
  s.push_back(static_cast<char>(e.type));
  s.append(3, '\0');
  Put32(&s, e.mode);
  Put32(&s, e.uid);
  Put32(&s, e.gid);
  Put32(&s, e.dev_major);
  Put32(&s, e.dev_minor);
  Put64(&s, static_cast<uint64_t>(e.mtime));
  Put32(&s, static_cast<uint32_t>(e.name.size()));
  Put32(&s, static_cast<uint32_t>(e.link.size()));
  Put32(&s, static_cast<uint32_t>(x.size()));
  Put64(&s, e.data.size());
  s += e.name;
  s += e.link;
  s += x;
  s += e.data;
  return s;
}

inline std::string FragmentHeader() {
  std::string s(fragment::kFileMagic, 8);
  Put32(&s, 1);
  Put32(&s, 0);
  return s;
}

inline std::string EndEntry() {
  std::string s;
  Put32(&s, fragment::kEntryMagic);
  s.append(52, '\0');
  return s;
}

inline std::string BuildFragment(const std::vector<TestEntry>& entries) {
  std::string s = FragmentHeader();
  for (const TestEntry& e : entries) {
    s += EncodeEntry(e);
    Pad8(&s);
  }
  s += EndEntry();
  return s;
}

inline std::string Sha256Of(const std::string& data) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
  return std::string(reinterpret_cast<char*>(d), sizeof d);
}

// An archive disk holding `parts`; digests from OpenSSL unless
// `with_digests` is false (then zeros).
inline std::string BuildArchiveDisk(const std::vector<std::string>& parts,
                                    bool with_digests = true) {
  auto align = [](uint64_t v) { return (v + 4095) & ~uint64_t{4095}; };
  uint64_t header = align(24 + 64 * parts.size());
  std::string s("TRARCHV1", 8);
  Put32(&s, 1);
  Put32(&s, static_cast<uint32_t>(parts.size()));
  Put64(&s, header);
  uint64_t offset = header;
  for (const std::string& p : parts) {
    Put64(&s, offset);
    Put64(&s, p.size());
    s += with_digests ? Sha256Of(p) : std::string(32, '\0');
    s.append(16, '\0');
    offset = align(offset + p.size());
  }
  s.resize(header, '\0');
  for (const std::string& p : parts) {
    s += p;
    s.resize(align(s.size()), '\0');
  }
  return s;
}

// (POSIX I/O: GCC 12's -O3 -Wnull-dereference warns inside libstdc++'s
// istreambuf_iterator.)
inline void WriteFile(const std::string& path, const std::string& bytes) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  size_t at = 0;
  while (at < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + at, bytes.size() - at);
    if (n <= 0) break;
    at += static_cast<size_t>(n);
  }
  close(fd);
}

inline std::string ReadFile(const std::string& path) {
  std::string out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buffer[65536];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) out.append(buffer, static_cast<size_t>(n));
  close(fd);
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = std::filesystem::temp_directory_path().string() + "/tr-guest-init-XXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    // Tests may leave read-only directories behind.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tinyrange::testing
