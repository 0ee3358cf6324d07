#include "builder/build/package_plan.h"

#include "builder/packages/alpine_collection.h"
#include "builder/packages/alpine_planner.h"
#include "builder/packages/debian_collection.h"
#include "builder/packages/debian_planner.h"
#include "builder/packages/installers.h"

namespace tinyrange::build {
namespace {
std::optional<ResolvedPlan> ResolveWithIndex(const packages::PackageIndex& index, const PackageRequest& request,
                                             const std::string& family, ResolvedPlan resolved, std::string* error,
                                             PlanFailure* failure);
}  // namespace

std::optional<ResolvedPlan> ResolvePackages(const PackageRequest& request, std::string* error, PlanFailure* failure) {
  PlanFailure ignored;
  if (!failure) failure = &ignored;
  *failure = PlanFailure::kNone;
  size_t colon = request.distro.find(':');
  std::string family = request.distro.substr(0, colon);
  if ((family != "debian" && family != "alpine") || colon == std::string::npos || colon + 1 == request.distro.size()) {
    *error = "distribution '" + request.distro +
             "': expected debian:SUITE (e.g. debian:bookworm) or alpine:VERSION (e.g. alpine:3.20)";
    *failure = PlanFailure::kUsage;
    return std::nullopt;
  }
  std::string release = request.distro.substr(colon + 1);
  ResolvedPlan resolved;
  resolved.family = family;
  std::optional<packages::PackageIndex> index;
  if (family == "debian") {
    packages::CollectionOptions options;
    options.suite = release;
    options.cache_root = request.cache_root;
    options.mirror_override = request.debian_mirror;
    if (!request.architecture.empty()) options.architecture = request.architecture;
    options.offline = request.offline;
    options.progress = request.progress;
    index = packages::OpenDebianCollection(options, &resolved.notes, error);
  } else {
    packages::AlpineCollectionOptions options;
    options.version = release;
    options.cache_root = request.cache_root;
    options.mirror_override = request.alpine_mirror;
    options.keys_override = request.alpine_keys;
    if (!request.architecture.empty()) options.architecture = packages::AlpineArchitecture(request.architecture);
    options.offline = request.offline;
    options.progress = request.progress;
    index = packages::OpenAlpineCollection(options, &resolved.notes, error);
  }
  if (!index) {
    *failure = PlanFailure::kRepository;
    return std::nullopt;
  }
  if (request.leak_index) {
    auto* forever = new packages::PackageIndex(std::move(*index));
    return ResolveWithIndex(*forever, request, family, std::move(resolved), error, failure);
  }
  return ResolveWithIndex(*index, request, family, std::move(resolved), error, failure);
}

namespace {

std::optional<ResolvedPlan> ResolveWithIndex(const packages::PackageIndex& index, const PackageRequest& request,
                                             const std::string& family, ResolvedPlan resolved, std::string* error,
                                             PlanFailure* failure) {
  std::optional<packages::Plan> plan;
  if (family == "alpine") {
    if (request.base != "none" && !request.base.empty()) {
      *error = "base '" + request.base + "' applies to Debian; for Alpine name the base packages (e.g. alpine-base)";
      *failure = PlanFailure::kUsage;
      return std::nullopt;
    }
    packages::AlpinePlanRequest alpine;
    alpine.packages = request.packages;
    alpine.architecture =
        packages::AlpineArchitecture(request.architecture.empty() ? "x86_64" : request.architecture);
    plan = packages::PlanAlpine(index, alpine, error);
  } else {
    packages::PlanRequest debian;
    debian.packages = request.packages;
    if (request.base == "essential") {
      debian.base = packages::BaseSet::kEssential;
    } else if (request.base == "required") {
      debian.base = packages::BaseSet::kRequired;
    } else if (request.base != "none" && !request.base.empty()) {
      *error = "base '" + request.base + "': expected none, essential or required";
      *failure = PlanFailure::kUsage;
      return std::nullopt;
    }
    if (!request.architecture.empty()) debian.architecture = request.architecture;
    plan = packages::PlanDebian(index, debian, error);
  }
  if (!plan) {
    *failure = PlanFailure::kNoPlan;
    return std::nullopt;
  }
  auto installs = packages::SelectInstallers(index, *plan, request.tags, error);
  if (!installs) {
    *failure = PlanFailure::kUsage;
    return std::nullopt;
  }
  for (size_t k = 0; k < plan->packages.size(); ++k) {
    const auto& indexed = index.package(plan->packages[k].id);
    const auto& record = indexed.record;
    ResolvedPackage package;
    package.name = record.name;
    package.version = record.version;
    package.architecture = record.architecture;
    package.installer = (*installs)[k].installer;
    package.url = (*installs)[k].url;
    package.size = record.size;
    package.installed_size = record.installed_size;
    package.repo = index.repos()[indexed.repo].repo;
    package.filename = record.filename;
    package.checksum = record.checksum;
    if (record.checksum.rfind("sha256:", 0) == 0) package.sha256 = record.checksum.substr(7);
    package.reason = plan->packages[k].reason;
    resolved.packages.push_back(std::move(package));
  }
  resolved.cycles = plan->cycles;
  return resolved;
}

}  // namespace

}  // namespace tinyrange::build
