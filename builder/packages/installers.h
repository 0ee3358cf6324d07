// Installers: how each package of a plan gets into a VM. A build selects
// them by tags; each installer says which tags it provides, and the first
// one providing every requested tag is chosen for a package.
//
// Level 3 (tag "level3", the default) downloads the package file (.deb or
// .apk) and converts it into an archive that guest-init unpacks; the
// conversion belongs to the build system. Other levels (a distribution's
// own package manager in the VM, prebuilt images) register here as they
// arrive.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "builder/packages/debian_planner.h"
#include "builder/packages/package_index.h"

namespace tinyrange::packages {

struct InstallerSpec {
  std::string name;               // "download-archive"
  std::vector<std::string> tags;  // what it provides, e.g. {"level3"}
  std::string description;
};

// The installers known to this build of tinyrange, in preference order.
const std::vector<InstallerSpec>& KnownInstallers();

// What the chosen installer needs for one package.
struct PackageInstall {
  PackageId id;
  std::string installer;
  std::string url;       // the package file
  uint64_t size = 0;     // its size
  std::string checksum;  // "sha256:..." (Debian) or "sha1b64:..." (Alpine's control checksum)
};

// Chooses an installer for every package of `plan`, in plan order. `tags`
// empty means the default ("level3"). Returns nullopt with *error naming
// the tags no installer provides and listing the installers known.
std::optional<std::vector<PackageInstall>> SelectInstallers(const PackageIndex& index, const Plan& plan,
                                                            const std::vector<std::string>& tags, std::string* error);

}  // namespace tinyrange::packages
