// Brings Alpine repositories' indexes into the cache as record files:
// MIRROR/BRANCH/REPO/ARCH/APKINDEX.tar.gz fetched afresh, its RSA
// signature checked against the key directory, then converted once into
// records/alpine/KEY.jsonl, KEY naming the converter, the architecture
// and the SHA-256 of the verified file. A record file exists only for a
// file that verified, so an index already converted is not checked again.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builder/download/downloader.h"

namespace tinyrange::packages {

struct AlpineRepository {
  std::string mirror;  // base URI: the directory holding v3.20/, edge/, ...
  std::string branch;  // "v3.20", "edge"
  std::string repo;    // "main", "community"
};

struct AlpineIndexes {
  std::vector<std::string> record_files;  // in repository order
  std::vector<std::string> base_urls;     // for each, MIRROR/BRANCH/REPO/ARCH (package files are relative to it)
  std::vector<std::string> notes;         // e.g. cached indexes used offline
};

// `keys_dir` holds the trusted public keys, named as the signatures name
// them. `downloader` decides online/offline (offline: the cached index).
std::optional<AlpineIndexes> UpdateAlpineIndexes(const std::vector<AlpineRepository>& repos,
                                                 const std::string& architecture, const std::string& keys_dir,
                                                 const std::string& cache_root, download::Downloader& downloader,
                                                 std::string* error);

}  // namespace tinyrange::packages
