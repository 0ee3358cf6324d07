// Writes an output file atomically: everything goes to a temporary file
// beside the target (same directory, so the rename cannot cross file
// systems), which is renamed over the target only by Commit(). If the
// writer is destroyed without Commit() (an exception on the way), the
// temporary is removed: a failed build leaves neither a partial output nor
// a stray temporary.
#pragma once

#include <filesystem>
#include <string>

namespace tinyrange::fs_output {

class AtomicFile {
 public:
  // Creates "<target>.tmp-XXXXXX" (mode 0644). Throws FsOutputError naming
  // the target.
  explicit AtomicFile(const std::filesystem::path& target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  int fd() const { return fd_; }
  const std::filesystem::path& temp_path() const { return temp_path_; }
  const std::filesystem::path& target() const { return target_; }

  // Closes the file descriptor (for writers that reopen the temporary by
  // name, such as mke2fs); Commit() still works.
  void CloseFd();
  // Flushes to disk, then renames the temporary over the target.
  void Commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// A temporary directory beside `target` ("<target>.tmp-XXXXXX", like the file) removed
// with everything in it when destroyed.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& target);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tinyrange::fs_output
