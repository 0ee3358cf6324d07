// A Debian repository's Release data (the signed text of InRelease):
// which index files exist, with their SHA-256 and size, and whether they
// may be fetched by hash.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>

namespace tinyrange::packages {

struct ReleaseEntry {
  std::string sha256;
  uint64_t size = 0;
};

struct ReleaseFile {
  std::string suite;
  std::string codename;
  bool acquire_by_hash = false;
  std::optional<std::time_t> valid_until;
  std::map<std::string, ReleaseEntry> files;  // "main/binary-amd64/Packages.xz" -> hash, size
};

// Parses the signed text. Errors name `name` and the line.
std::optional<ReleaseFile> ParseReleaseFile(const std::string& text, const std::string& name, std::string* error);

// Parses an RFC 2822 date as Release files write it ("Sat, 11 Jul 2026
// 10:16:37 UTC"); nullopt if it is not one.
std::optional<std::time_t> ParseReleaseDate(const std::string& text);

// Checks a Release file's signature with gpgv against `keyring` and returns
// the signed text (never the unsigned wrapper). On failure returns nullopt
// with *error saying which file failed and what gpgv said.
std::optional<std::string> VerifyInRelease(const std::string& in_release_path, const std::string& keyring,
                                           std::string* error);

}  // namespace tinyrange::packages
