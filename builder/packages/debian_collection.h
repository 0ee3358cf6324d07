// A Debian distribution as the planner sees it: the suites of a release
// (SUITE, SUITE-updates, SUITE-security) from the mirrors the machine's apt
// sources name, brought up to date and loaded into one index.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builder/download/progress.h"
#include "builder/packages/package_index.h"

namespace tinyrange::packages {

struct CollectionOptions {
  std::string suite = "bookworm";
  std::string architecture = "amd64";
  std::string mirror_override;  // --debian-mirror; TR_DEBIAN_MIRROR is read too
  std::string apt_root = "/";   // where etc/apt is
  std::string cache_root;       // default: the tinyrange cache
  bool offline = false;
  download::ProgressSink* progress = nullptr;
};

// Returns the index, with notes (skipped suites) in *notes; nullopt with
// *error saying what failed and what to do.
std::optional<PackageIndex> OpenDebianCollection(const CollectionOptions& options, std::vector<std::string>* notes,
                                                 std::string* error);

}  // namespace tinyrange::packages
