// An Alpine release as the planner sees it: the main and community
// repositories of one branch (v3.20, edge) for one architecture, from a
// configured mirror, verified with configured keys, loaded into one index.
//
// Configuration, first found wins:
//   mirror: --alpine-mirror (mirror_override), $TR_ALPINE_MIRROR. There is
//           no built-in mirror; without one the error says how to set it.
//   keys:   --alpine-keys (keys_override), $TR_ALPINE_KEYS, /etc/apk/keys.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builder/download/progress.h"
#include "builder/packages/package_index.h"

namespace tinyrange::packages {

struct AlpineCollectionOptions {
  std::string version = "3.20";  // as in --distro alpine:VERSION: "3.20", "v3.20" or "edge"
  std::string architecture = "x86_64";
  std::vector<std::string> repos{"main", "community"};
  std::string mirror_override;
  std::string keys_override;
  std::string cache_root;  // default: the tinyrange cache
  bool offline = false;
  download::ProgressSink* progress = nullptr;
};

// The repository directory for a version: "3.20" and "v3.20" -> "v3.20",
// "edge" -> "edge"; anything else is an error.
std::optional<std::string> AlpineBranch(const std::string& version, std::string* error);
// Alpine's name for an architecture given either way ("amd64" and
// "x86_64" -> "x86_64", "arm64" -> "aarch64", ...); unknown names pass
// through unchanged.
std::string AlpineArchitecture(const std::string& architecture);
// The mirror and key directory per the order above.
std::optional<std::string> AlpineMirror(const std::string& override_uri, std::string* error);
std::optional<std::string> AlpineKeysDir(const std::string& override_dir, std::string* error);

// Returns the index, with notes in *notes; nullopt with *error saying what
// failed and what to do.
std::optional<PackageIndex> OpenAlpineCollection(const AlpineCollectionOptions& options,
                                                 std::vector<std::string>* notes, std::string* error);

}  // namespace tinyrange::packages
