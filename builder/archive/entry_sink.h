// Where the converter's entries go (internal to builder/archive): each
// libarchive entry is normalised, checked for safety (archive_converter.h
// lists the rules) and written to the ArchiveWriter.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "builder/archive/archive_writer.h"
#include "builder/archive/libarchive_input.h"

namespace tinyrange::archive::internal {

// The top-level directory reserved for package metadata.
inline constexpr std::string_view kMetadataRoot = ".tinyrange";

// `raw` as an entry name: empty and "." components dropped (so "./usr/"
// is "usr", and "." or "./" is "", the root). Returns nullopt with
// *problem set for an absolute name or one with a ".." component.
std::optional<std::string> NormaliseName(std::string_view raw, std::string* problem);

// Whether a symlink named `name` (normalised) pointing at `target` leaves
// the root: a relative target whose ".." components climb above it from
// the symlink's directory. Absolute targets are read from the root.
bool SymlinkEscapes(std::string_view name, std::string_view target);

class EntrySink {
 public:
  // `label` starts every error: the package, or the input file.
  EntrySink(ArchiveWriter& writer, std::string label) : writer_(writer), label_(std::move(label)) {}

  void set_label(std::string label) { label_ = std::move(label); }
  const std::string& label() const { return label_; }

  // Adds the current entry of `input`, its name (and a hard link's target)
  // placed under `prefix` (a valid entry name, or "" for the root). With
  // an empty prefix, names under .tinyrange/ are rejected.
  void Add(LibarchiveInput& input, struct archive_entry* entry, const std::string& prefix = "");

  // Adds `path` and each of its parent directories not yet added (0755,
  // owned by root, mtime 0): the home of a package's metadata.
  void AddDirectories(const std::string& path);

  uint64_t entries() const { return entries_; }

 private:
  [[noreturn]] void Reject(std::string_view raw, const std::string& problem) const;
  // Rejects `name` if it or one of its parent directories is a symlink
  // written earlier.
  void CheckNotThroughSymlink(std::string_view raw, const std::string& name, const char* what) const;
  // Writes `entry`, a file's data from `data` if given, else from `input`.
  void Write(const Entry& entry, LibarchiveInput* input, const std::string* data = nullptr);

  ArchiveWriter& writer_;
  std::string label_;
  uint64_t entries_ = 0;
  std::set<std::string> symlinks_;
  std::set<std::string> files_;                    // regular files, the possible hard-link targets
  std::map<std::string, std::string> hard_links_;  // name -> the regular file it links to
  std::set<std::string> metadata_directories_;
};

}  // namespace tinyrange::archive::internal
