// Brings a Debian repository's package indexes into the cache as record
// files: InRelease fetched and its signature checked with gpgv, then each
// component's Packages index fetched (by hash when the repository offers
// it) and checked against the SHA-256 and size in the signed Release data,
// then converted once into a record file named by what it came from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builder/download/downloader.h"

namespace tinyrange::packages {

struct DebianSuite {
  std::string mirror;  // base URI, e.g. the URI of an apt source
  std::string suite;   // "bookworm", "bookworm-security", ...
  std::vector<std::string> components{"main"};
  std::string keyring;  // gpgv keyring for its InRelease
  // An optional suite (updates, security) is skipped, with a note, when
  // its mirror does not have it; a required one is an error.
  bool optional = false;
};

struct DebianIndexes {
  std::vector<std::string> record_files;  // in suite order
  std::vector<std::string> base_urls;     // for each record file, its mirror (package files are relative to it)
  std::vector<std::string> notes;         // skipped suites, offline staleness
};

// `downloader` decides online/offline. Conversion runs on several threads.
std::optional<DebianIndexes> UpdateDebianIndexes(const std::vector<DebianSuite>& suites, const std::string& architecture,
                                                 const std::string& cache_root, download::Downloader& downloader,
                                                 bool offline, std::string* error);

}  // namespace tinyrange::packages
