#include "builder/build/install_archives.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"
#include "builder/install/alpine_install.h"
#include "builder/install/debian_install.h"
#include "builder/install/install_error.h"
#include "builder/install/merged_usr.h"

namespace tinyrange::build {

namespace {

class InstallArchivesDefinition final : public Definition {
 public:
  explicit InstallArchivesDefinition(DefinitionPtr plan) : plan_(std::move(plan)) {}
  std::string Kind() const override { return "install_archives"; }
  // The archives' contents depend on the converter's layout of control
  // files, so a new archive format reaches this hash too.
  nlohmann::json Parameters() const override { return {{"archive_version", ReadArchiveVersion()}}; }
  // 2: Debian's merged-/usr layout archive; 3: dpkg's info/format.
  int Version() const override { return 3; }
  std::vector<DefinitionPtr> Inputs() const override { return {plan_}; }
  bool OutputIsDirectory() const override { return true; }
  std::string Describe() const override { return "install_archives of " + plan_->Describe(); }

  void Build(BuildContext& ctx) const override {
    std::ifstream in(ctx.input(0) + "/plan.json");
    nlohmann::json plan = nlohmann::json::parse(in, nullptr, false);
    if (plan.is_discarded() || !plan.contains("packages")) throw BuildError(ctx.input(0) + "/plan.json is not a plan");
    std::vector<std::string> paths = PlanArchives(ctx.input(0), ctx.options().cache_root);
    std::vector<install::PlannedArchive> packages;
    install::InstallOptions options;
    for (size_t i = 0; i < plan["packages"].size(); ++i) {
      const nlohmann::json& p = plan["packages"][i];
      install::PlannedArchive archive;
      archive.name = p.value("name", "");
      archive.version = p.value("version", "");
      archive.architecture = p.value("architecture", "");
      archive.archive_path = paths.at(i);
      std::string checksum = p.value("checksum", "");
      // The index keeps Alpine's control checksum as "sha1b64:BASE64";
      // apk's database spells it "Q1BASE64".
      if (checksum.rfind("sha1b64:", 0) == 0) archive.checksum = "Q1" + checksum.substr(8);
      archive.package_size = p.value("size", uint64_t{0});
      if (p.value("reason", "") == "requested") options.requested.push_back(archive.name);
      packages.push_back(std::move(archive));
    }
    std::filesystem::create_directories(ctx.output());
    options.database_archive = ctx.output() + "/" + kInstallDatabaseArchive;
    options.steps_archive = ctx.output() + "/" + kInstallStepsArchive;
    std::string family = plan.value("family", "");
    try {
      if (family == "debian") {
        install::WriteMergedUsrLayout(ctx.output() + "/" + kInstallLayoutArchive,
                                      packages.empty() ? "amd64" : packages.front().architecture, 0);
        install::InstallDebianPackages(packages, options);
      } else if (family == "alpine") {
        install::InstallAlpinePackages(packages, options);
      } else {
        throw BuildError(ctx.input(0) + "/plan.json: unknown distribution family '" + family + "'");
      }
    } catch (const install::InstallError& e) {
      throw BuildError(e.what());
    }
  }

 private:
  DefinitionPtr plan_;
};

}  // namespace

DefinitionPtr InstallArchives(DefinitionPtr plan) {
  if (!plan) throw BuildError("install_archives: no plan");
  return std::make_shared<InstallArchivesDefinition>(std::move(plan));
}

}  // namespace tinyrange::build
