// plan: a package request resolved by the planner, each package fetched
// and converted into a tinyrange archive.
#include <filesystem>

#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"
#include "builder/download/cache_file.h"

namespace tinyrange::build {
namespace {

class PackagePlanDefinition final : public Definition {
 public:
  explicit PackagePlanDefinition(PackageRequest request) : request_(std::move(request)) {}

  std::string Kind() const override { return "plan"; }
  bool OutputIsDirectory() const override { return true; }
  nlohmann::json Parameters() const override {
    nlohmann::json params = {{"distro", request_.distro},       {"packages", request_.packages},
                             {"tags", request_.tags},           {"base", request_.base},
                             {"architecture", request_.architecture},
                             {"archive_version", ReadArchiveVersion()}};
    // Only explicit mirrors count: the machine's apt sources are where the
    // same packages come from, not part of what is asked for.
    if (!request_.debian_mirror.empty()) params["debian_mirror"] = request_.debian_mirror;
    if (!request_.alpine_mirror.empty()) params["alpine_mirror"] = request_.alpine_mirror;
    return params;
  }
  std::string Describe() const override {
    std::string text = "plan " + request_.distro;
    for (const std::string& p : request_.packages) text += " " + p;
    return text;
  }

  void Build(BuildContext& ctx) const override {
    PackageRequest request = request_;
    request.offline = ctx.options().offline;
    request.progress = ctx.options().progress;
    request.leak_index = ctx.options().leak_indexes;
    request.cache_root = ctx.options().cache_root;
    std::string error;
    auto resolved = ResolvePackages(request, &error);
    if (!resolved) throw BuildError(error);

    bool alpine = resolved->family == "alpine";
    std::vector<DefinitionPtr> archives;
    for (const ResolvedPackage& package : resolved->packages) {
      // Debian's index gives each file's SHA-256, checked by the fetch;
      // Alpine's gives the control segment's SHA-1, checked by the
      // conversion (which also checks the data segment against it).
      if (alpine && package.checksum.empty()) {
        throw BuildError("plan " + request_.distro + ": the index gives no checksum (C:) for " + package.name +
                         ", so it cannot be verified; check that the mirror serves Alpine's APKINDEX");
      }
      // Alpine gives no SHA-256 of the file; the fetch checks the index's
      // control checksum instead, so a bad download is never kept.
      DefinitionPtr fetch = FetchHttp(package.url, package.sha256, package.size,
                                      alpine ? ApkChecksumToHex(package.checksum) : "");
      archives.push_back(ReadArchive(fetch, alpine ? "apk" : "deb", package.name, alpine ? package.checksum : ""));
    }
    ctx.BuildMore(archives);

    nlohmann::json plan = {{"distro", request_.distro}, {"family", resolved->family}, {"cycles", resolved->cycles}};
    plan["packages"] = nlohmann::json::array();
    for (size_t i = 0; i < resolved->packages.size(); ++i) {
      const ResolvedPackage& p = resolved->packages[i];
      plan["packages"].push_back({{"name", p.name},
                                  {"version", p.version},
                                  {"architecture", p.architecture},
                                  {"url", p.url},
                                  {"size", p.size},
                                  {"checksum", p.checksum},
                                  {"reason", p.reason},
                                  {"archive", archives[i]->Hash()}});
    }
    std::filesystem::create_directories(ctx.output());
    if (!download::WriteFileAtomically(ctx.output() + "/plan.json", plan.dump(1) + "\n", &error)) {
      throw BuildError(error);
    }
  }

 private:
  PackageRequest request_;
};

}  // namespace

DefinitionPtr PackagePlan(PackageRequest request) {
  if (request.packages.empty()) throw BuildError("plan: no packages requested");
  return std::make_shared<PackagePlanDefinition>(std::move(request));
}

std::vector<std::string> PlanArchives(const std::string& plan_output, const std::string& cache_root) {
  std::string text;
  if (!download::ReadWholeFile(plan_output + "/plan.json", &text)) {
    throw BuildError("cannot read " + plan_output + "/plan.json");
  }
  nlohmann::json plan = nlohmann::json::parse(text, nullptr, false);
  if (plan.is_discarded() || !plan.contains("packages")) throw BuildError(plan_output + "/plan.json is not a plan");
  BuildCache cache(cache_root);
  std::vector<std::string> paths;
  for (const auto& package : plan["packages"]) paths.push_back(cache.OutputPath(package.value("archive", "")));
  return paths;
}

}  // namespace tinyrange::build
