// Reads a tinyrange archive (archive_format.h) in one pass, checking every
// field: a malformed or truncated archive throws ArchiveError naming the
// file and the byte offset, never reads out of bounds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "builder/archive/archive_format.h"

namespace tinyrange::archive {

class ArchiveReader {
 public:
  // Opens `path` and checks the file header.
  explicit ArchiveReader(const std::filesystem::path& path);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // The next entry, or nullopt after the end entry (then also checks that
  // nothing follows it). Skips any data of the previous entry not read.
  std::optional<Entry> Next();

  // Reads up to `capacity` bytes of the current file entry's data; 0 when
  // all of it has been read.
  size_t Read(char* buffer, size_t capacity);
  // The whole data of the current entry.
  std::string ReadAll();

  const std::filesystem::path& path() const;

 private:
  class Impl;
  Impl* impl_;
};

}  // namespace tinyrange::archive
