// Writes a tinyrange archive (archive_format.h) to a file, one entry at a
// time, hashing the bytes as they go so the archive's name (its SHA-256) is
// known when it is finished.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "builder/archive/archive_format.h"

namespace tinyrange::archive {

class ArchiveWriter {
 public:
  // Creates or truncates `path`. Throws ArchiveError naming the path.
  explicit ArchiveWriter(const std::filesystem::path& path);
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  // Adds an entry without data (directory, symlink, hard link, device,
  // fifo, or an empty file). Validates the entry first (name, mode mask,
  // sizes, xattr order, hard-link target already written as a file) and
  // throws ArchiveError without writing anything if it is invalid.
  void Add(const Entry& entry);
  // Adds a regular file whose `entry.size` bytes come from `data`.
  void AddFile(const Entry& entry, std::string_view data);
  // Adds a regular file whose `entry.size` bytes are produced by `read`:
  // it is called repeatedly with a buffer and returns how many bytes it put
  // there (0 only at the end). Fewer or more bytes than entry.size throw.
  void AddFileFrom(const Entry& entry, const std::function<size_t(char* buffer, size_t capacity)>& read);

  // Writes the end entry, flushes and closes. Returns the SHA-256 (lower
  // hex) of the whole file. No entry may follow.
  std::string Finish();

  uint64_t bytes_written() const { return offset_; }

 private:
  class Impl;
  Impl* impl_;
  uint64_t offset_ = 0;
};

}  // namespace tinyrange::archive
