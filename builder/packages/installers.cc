#include "builder/packages/installers.h"

#include <algorithm>

namespace tinyrange::packages {

const std::vector<InstallerSpec>& KnownInstallers() {
  static const std::vector<InstallerSpec> installers = {
      {"download-archive", {"level3"}, "download the package file and convert it into an archive"},
  };
  return installers;
}

std::optional<std::vector<PackageInstall>> SelectInstallers(const PackageIndex& index, const Plan& plan,
                                                            const std::vector<std::string>& tags, std::string* error) {
  std::vector<std::string> wanted = tags.empty() ? std::vector<std::string>{"level3"} : tags;
  const InstallerSpec* chosen = nullptr;
  for (const auto& installer : KnownInstallers()) {
    bool provides_all = std::all_of(wanted.begin(), wanted.end(), [&](const std::string& tag) {
      return std::find(installer.tags.begin(), installer.tags.end(), tag) != installer.tags.end();
    });
    if (provides_all) {
      chosen = &installer;
      break;
    }
  }
  if (!chosen) {
    std::string asked, known;
    for (const auto& t : wanted) asked += (asked.empty() ? "" : ", ") + t;
    for (const auto& i : KnownInstallers()) {
      std::string provided;
      for (const auto& t : i.tags) provided += (provided.empty() ? "" : ", ") + t;
      known += "\n  " + i.name + " (" + provided + "): " + i.description;
    }
    *error = "no installer provides the tags " + asked + "; the installers known are:" + known;
    return std::nullopt;
  }
  std::vector<PackageInstall> installs;
  for (const auto& p : plan.packages) {
    const PackageRecord& r = index.package(p.id).record;
    installs.push_back({p.id, chosen->name, index.PackageUrl(p.id), r.size, r.checksum});
  }
  return installs;
}

}  // namespace tinyrange::packages
