// Helpers for the archive tests: scratch directories, whole-file I/O, a
// tar writer that can write what real tools write and what they should not
// (pax records, unsafe names, no end blocks), and gzip members.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "builder/archive/archive_format.h"

namespace tinyrange::archive::testing {

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& data);
// Runs a shell command; true if it exited 0.
bool Run(const std::string& command);
// The files in `dir` (names only), sorted.
std::vector<std::string> ListDir(const std::filesystem::path& dir);

struct ReadEntry {
  Entry entry;
  std::string data;
};
// Every entry of a tinyrange archive with its data (throws ArchiveError).
std::vector<ReadEntry> ReadArchive(const std::filesystem::path& path);
const ReadEntry* FindEntry(const std::vector<ReadEntry>& entries, const std::string& name);

struct TarEntry {
  std::string name;
  char type = '0';  // ustar typeflag
  std::string data;
  std::string link;
  uint32_t mode = 0644;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  int64_t mtime = 1700000000;
  // Written in a pax extended header before the entry when non-empty.
  std::vector<std::pair<std::string, std::string>> pax;
  std::string pax_name;  // the pax header's own name; "PaxHeader/NAME" if empty
};

// A ustar stream of `entries`; `end_blocks` adds the two zero blocks that
// end an archive (abuild cuts them off the signature and control tars).
std::string Tar(const std::vector<TarEntry>& entries, bool end_blocks = true);
// One gzip member of `data` (zlib, level 9, no name or time: deterministic).
std::string GzipMember(const std::string& data);

// Digests as apk's tools write them: raw SHA-1, lower-case hex, base64.
std::string Sha1(const std::string& data);
std::string Hex(const std::string& bytes);
std::string Base64(const std::string& bytes);

}  // namespace tinyrange::archive::testing
