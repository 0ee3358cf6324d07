// Cached post-install state: what a plan's install scripts changed, kept
// as one archive in the build cache under a key made from the archives the
// scripts ran over. The first boot of a plan runs the scripts and lets
// guest-init capture their effect (guest-init/capture_format.h); later
// boots of the same archives unpack that archive instead of running the
// scripts again.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "builder/build/build_cache.h"

namespace tinyrange::build {

// The cache key (an entry hash) of the state after the install steps ran
// over `archive_hashes` (the build hashes of every archive unpacked before
// the steps, in order, the steps' own archive included).
std::string PostInstallStateKey(const std::vector<std::string>& archive_hashes);

// What names an archive in a post-install state key: for a file in the
// build cache (BUILDS/XX/HASH/out[/NAME]) its entry, "HASH[/NAME]", which
// is content-addressed already; for any other file (a run's generated
// archives) "sha256:" and the hash of its bytes. Throws BuildError if the
// file cannot be read.
std::string ArchiveIdentity(const BuildCache& cache, const std::string& path);

// The cached state's archive, if there is one; *hold keeps it from being
// collected while the caller uses it.
std::optional<std::string> FindPostInstallState(BuildCache& cache, const std::string& key,
                                                std::unique_ptr<BuildCache::Hold>* hold);

// kNotWritten: guest-init wrote no capture (it does not when an install
// script failed and was ignored: that state is not the plan's).
enum class CaptureOutcome { kStored, kAlreadyCached, kNotCacheable, kTooLarge, kNotWritten };
const char* CaptureOutcomeName(CaptureOutcome outcome);

// Validates the capture disk that guest-init wrote (untrusted bytes: any
// malformation throws BuildError naming the disk) and, when it holds the
// complete state, stores it under `key`.
CaptureOutcome StorePostInstallState(BuildCache& cache, const std::string& key, const std::string& capture_disk,
                                     const std::vector<std::string>& archive_hashes);

}  // namespace tinyrange::build
