// One package of a distribution, as the builder stores it: the fields the
// planner and the installers need, independent of the index format it came
// from (Debian Packages paragraphs, Alpine APKINDEX entries).
//
// A record file holds one JSON object per line: first a header
// ({"format": "tinyrange-records", "version": 1, "distro": ..., "repo": ...}),
// then one record per package in index order. Keys are written sorted and
// empty fields omitted, so the same index always gives the same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyrange::packages {

enum class Distro { kDebian, kAlpine };
const char* DistroName(Distro distro);

struct PackageRecord {
  std::string name;
  std::string version;
  std::string architecture;
  // Relationship fields as written in the index (Debian syntax for Debian,
  // Alpine's space-separated atoms for Alpine); parsed when loaded.
  std::string depends;
  std::string pre_depends;
  std::string provides;
  std::string conflicts;
  std::string breaks;
  std::string install_if;  // Alpine only
  // Debian: "same", "foreign", "allowed" or "".
  std::string multi_arch;
  bool essential = false;
  std::string priority;
  std::string section;
  std::string source;  // Debian Source / Alpine origin
  std::string description;  // one line
  // Where the package file is, relative to the repository's base URI.
  std::string filename;
  uint64_t size = 0;
  uint64_t installed_size = 0;  // bytes
  // Checksum of the package file: "sha256:HEX" (Debian) or "sha1b64:..."
  // (Alpine's Q1 checksum of the control segment).
  std::string checksum;

  bool operator==(const PackageRecord&) const = default;
};

struct RecordFileHeader {
  Distro distro = Distro::kDebian;
  // Which index the records came from, e.g. "bookworm/main/amd64"; the
  // mirror's URI is not part of it, so a mirror change keeps the cache.
  std::string repo;
  bool operator==(const RecordFileHeader&) const = default;
};

// Serialises a header or a record as one line (with its trailing '\n').
std::string HeaderToJsonLine(const RecordFileHeader& header);
std::string RecordToJsonLine(const PackageRecord& record);

struct RecordFile {
  RecordFileHeader header;
  std::vector<PackageRecord> records;
};

// Parses a whole record file; on an error returns nullopt with *error
// naming `name` and the line.
std::optional<RecordFile> ParseRecordFile(std::string_view text, const std::string& name, std::string* error);
// Reads and parses a record file from disk; the file is read once, straight
// into the parser's buffer (an index is tens of megabytes).
std::optional<RecordFile> LoadRecordFile(const std::string& path, std::string* error);

// The pieces, for loaders that parse parts of a file in parallel:
// the header line (without its newline)...
bool ParseRecordHeader(std::string_view line, const std::string& name, RecordFileHeader* header, std::string* error);
// ...the number of record lines in [data, data + size)...
size_t CountRecordLines(const char* data, size_t size);
// ...and those lines, each filling slot(k) for k in [0, count). `data` must
// be followed by simdjson's padding (readable bytes: the rest of the file,
// or a padded buffer's padding). Errors name `name` and the line, counting
// from `first_line`.
bool ParseRecordLines(const char* data, size_t size, const std::string& name, uint64_t first_line,
                      const std::function<PackageRecord&(size_t)>& slot, size_t count, std::string* error);
std::string SerializeRecordFile(const RecordFile& file);

}  // namespace tinyrange::packages
