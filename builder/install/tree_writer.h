// Writes the installers' archives: every entry root-owned with one mtime,
// each parent directory added (0755) before its first child, and the file
// renamed into place only when complete, so a failed install never leaves
// a partial archive where the cache would find it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "builder/archive/archive_writer.h"

namespace tinyrange::install {

class TreeWriter {
 public:
  TreeWriter(std::filesystem::path path, int64_t mtime);
  // Removes the temporary file unless Commit() ran.
  ~TreeWriter();
  TreeWriter(const TreeWriter&) = delete;
  TreeWriter& operator=(const TreeWriter&) = delete;

  // `path` is an entry name (relative, normal form).
  void AddDirectory(const std::string& path);
  void AddFile(const std::string& path, std::string_view data, uint32_t mode);
  void AddSymlink(const std::string& path, const std::string& target);
  // Finishes the archive, renames it into place and returns its SHA-256.
  std::string Commit();

 private:
  void AddParents(const std::string& path);

  std::filesystem::path path_;
  std::filesystem::path temporary_;
  int64_t mtime_;
  std::unique_ptr<archive::ArchiveWriter> writer_;
  std::set<std::string> directories_;
  bool committed_ = false;
};

}  // namespace tinyrange::install
