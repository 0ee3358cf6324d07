// Helpers shared by the filesystem output tests: a scratch directory,
// archives made with ArchiveWriter, and outputs read back with libarchive
// (an implementation independent of the writers under test).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "builder/archive/archive_format.h"
#include "builder/fs_output/fs_tree.h"

namespace tinyrange::fs_output::testing {

// A fresh directory under the test temp dir, removed at destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Names in the directory, sorted.
  std::vector<std::string> List() const;

 private:
  std::filesystem::path path_;
};

// One archive entry with its data, for MakeArchive.
struct TestEntry {
  archive::Entry entry;
  std::string data;
};

TestEntry File(const std::string& name, const std::string& data, uint32_t mode = 0644, uint32_t uid = 0,
               uint32_t gid = 0, int64_t mtime = 1000);
TestEntry Dir(const std::string& name, uint32_t mode = 0755, uint32_t uid = 0, uint32_t gid = 0,
              int64_t mtime = 1000);
TestEntry Symlink(const std::string& name, const std::string& target, int64_t mtime = 1000);
TestEntry HardLink(const std::string& name, const std::string& target);
TestEntry Device(const std::string& name, archive::EntryType type, uint32_t major, uint32_t minor,
                 uint32_t mode = 0666);
TestEntry Fifo(const std::string& name, uint32_t mode = 0644);

// Writes an archive and returns its path.
std::filesystem::path MakeArchive(const std::filesystem::path& path, const std::vector<TestEntry>& entries);

// A tree with one of everything, from two archives in `dir` plus added
// entries: directories, files (setuid, big uid/gid, xattrs, a name with a
// space and a quote), a symlink, a hard-link pair, devices, a fifo.
// mtimes are 1000 except "etc/new" (2000000000).
FsTree SampleTree(const ScratchDir& dir);

// An entry read back from a tar or cpio.
struct ReadEntry {
  std::string path;
  char type = '?';  // f d l h c b p
  uint32_t mode = 0;  // permission bits
  int64_t uid = 0;
  int64_t gid = 0;
  int64_t mtime = 0;
  std::string data;
  std::string link;  // symlink target or hard-link target
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  uint32_t nlink = 0;
  int64_t ino = 0;
  std::map<std::string, std::string> xattrs;
};

// Reads every entry of a tar or cpio (any compression libarchive knows).
std::vector<ReadEntry> ReadWithLibarchive(const std::filesystem::path& path);
// The entry named `path`; throws if there is none.
const ReadEntry& EntryAt(const std::vector<ReadEntry>& entries, const std::string& path);
// The libarchive names of the format and filter of the first header.
std::string DetectedFormat(const std::filesystem::path& path);

std::string ReadFile(const std::filesystem::path& path);

// Runs a shell command, returns its stdout (stderr to /dev/null), sets
// *exit_code if given.
std::string Shell(const std::string& command, int* exit_code = nullptr);

}  // namespace tinyrange::fs_output::testing
