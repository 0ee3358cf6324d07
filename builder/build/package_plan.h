// From a package request (distribution, packages, tags) to the list of
// package files to install, in installation order: opens the collection,
// runs the planner and selects installers. Shared by the build system's
// plan definition and `tr plan`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "builder/download/progress.h"

namespace tinyrange::build {

struct PackageRequest {
  std::string distro = "debian:bookworm";  // debian:SUITE or alpine:VERSION
  std::vector<std::string> packages;        // as `tr plan` takes them
  std::vector<std::string> tags;            // installer tags; empty: default
  std::string base = "none";                // Debian: none, essential, required
  std::string architecture;                 // empty: the distribution's amd64
  std::string debian_mirror;                // empty: apt sources / TR_DEBIAN_MIRROR
  std::string alpine_mirror;
  std::string alpine_keys;
  std::string cache_root;  // where indexes are kept; empty: the tinyrange cache
  bool offline = false;
  download::ProgressSink* progress = nullptr;
  // Never free the loaded index: freeing tens of thousands of records
  // costs tens of milliseconds that a command about to exit need not pay.
  // Not for long-running processes.
  bool leak_index = false;
};

struct ResolvedPackage {
  std::string name;
  std::string version;
  std::string architecture;
  std::string installer;
  std::string url;
  uint64_t size = 0;
  uint64_t installed_size = 0;
  std::string repo;      // the repository (suite or branch/repo) it comes from
  std::string filename;  // relative to the repository's base
  std::string sha256;    // of the package file, when the index gives it (Debian)
  std::string checksum;  // as the index gives it ("sha256:..." or "sha1b64:...")
  std::string reason;
};

struct ResolvedPlan {
  std::string family;  // "debian" or "alpine"
  std::vector<ResolvedPackage> packages;
  std::vector<std::string> cycles;
  std::vector<std::string> notes;
};

enum class PlanFailure { kNone, kUsage, kRepository, kNoPlan };

// nullopt with *error (and *failure saying which kind) when the request is
// malformed, the collection cannot be opened, or no plan exists.
std::optional<ResolvedPlan> ResolvePackages(const PackageRequest& request, std::string* error,
                                            PlanFailure* failure = nullptr);

}  // namespace tinyrange::build
