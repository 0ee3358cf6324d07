// `tr query` and `tr plan`: package search and installation plans over a
// distribution's package collection.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/build/package_plan.h"
#include "builder/download/progress.h"
#include "builder/packages/alpine_collection.h"
#include "builder/packages/alpine_planner.h"
#include "builder/packages/alpine_version.h"
#include "builder/packages/debian_collection.h"
#include "builder/packages/debian_planner.h"
#include "builder/packages/debian_version.h"
#include "cli/command_options.h"
#include "cli/commands.h"

namespace tinyrange::cli {
namespace {

using packages::PackageIndex;

// Exit statuses shared by both commands (docs/packages.md).
constexpr int kExitNoPlan = 1;          // unknown package, or no consistent set
constexpr int kExitRepositoryError = 4;  // fetch, signature or index failure

void AddCollectionOptions(cxxopts::Options& spec) {
  spec.add_options()
      ("distro", "distribution: debian:SUITE or alpine:VERSION (default debian:bookworm)", cxxopts::value<std::string>())
      ("debian-mirror", "Debian mirror URI (default: from /etc/apt/sources.list*; also TR_DEBIAN_MIRROR)",
       cxxopts::value<std::string>())
      ("alpine-mirror", "Alpine mirror URI (or TR_ALPINE_MIRROR; required for alpine:)", cxxopts::value<std::string>())
      ("alpine-keys", "directory of Alpine's signing keys (or TR_ALPINE_KEYS; default /etc/apk/keys)",
       cxxopts::value<std::string>())
      ("arch", "architecture (default amd64)", cxxopts::value<std::string>())
      ("offline", "use only what is in the cache; fetch nothing")
      ("h,help", "show this help");
}

std::string Distro(const cxxopts::ParseResult& args) {
  return args.count("distro") ? args["distro"].as<std::string>() : "debian:bookworm";
}

// Opens the collection the flags name; prints the error and sets *status
// on failure.
std::optional<PackageIndex> OpenCollection(const char* command, const cxxopts::ParseResult& args, bool verbose,
                                           int* status) {
  std::string distro = Distro(args);
  size_t colon = distro.find(':');
  std::string family = distro.substr(0, colon);
  if ((family != "debian" && family != "alpine") || colon == std::string::npos || colon + 1 == distro.size()) {
    std::fprintf(stderr, "tr %s: --distro %s: expected debian:SUITE (e.g. debian:bookworm) or alpine:VERSION (e.g. alpine:3.20)\n",
                 command, distro.c_str());
    *status = kExitUsage;
    return std::nullopt;
  }
  download::ConsoleProgress progress(stderr);
  std::vector<std::string> notes;
  std::string error;
  std::optional<PackageIndex> index;
  if (family == "debian") {
    packages::CollectionOptions options;
    options.suite = distro.substr(colon + 1);
    if (args.count("debian-mirror")) options.mirror_override = args["debian-mirror"].as<std::string>();
    if (args.count("arch")) options.architecture = args["arch"].as<std::string>();
    options.offline = args.count("offline") > 0;
    options.progress = &progress;
    index = packages::OpenDebianCollection(options, &notes, &error);
  } else {
    packages::AlpineCollectionOptions options;
    options.version = distro.substr(colon + 1);
    if (args.count("alpine-mirror")) options.mirror_override = args["alpine-mirror"].as<std::string>();
    if (args.count("alpine-keys")) options.keys_override = args["alpine-keys"].as<std::string>();
    if (args.count("arch")) options.architecture = args["arch"].as<std::string>();
    options.offline = args.count("offline") > 0;
    options.progress = &progress;
    index = packages::OpenAlpineCollection(options, &notes, &error);
  }
  if (verbose) {
    for (const auto& n : notes) std::fprintf(stderr, "tr %s: note: %s\n", command, n.c_str());
  }
  if (!index) {
    std::fprintf(stderr, "tr %s: %s\n", command, error.c_str());
    *status = kExitRepositoryError;
  }
  return index;
}

// The index lives until the process exits, and is deliberately never
// destroyed: freeing tens of thousands of records at exit costs tens of
// milliseconds that nobody waits for.
const PackageIndex* KeepForever(PackageIndex&& index) { return new PackageIndex(std::move(index)); }

std::optional<cxxopts::ParseResult> Parse(cxxopts::Options& spec, int argc, char** argv, const char* command,
                                          int* status) {
  try {
    auto args = spec.parse(argc, argv);
    if (args.count("help")) {
      std::printf("%s\n", spec.help().c_str());
      *status = 0;
      return std::nullopt;
    }
    return args;
  } catch (const cxxopts::exceptions::exception& e) {
    std::fprintf(stderr, "tr %s: %s (see tr %s --help)\n", command, e.what(), command);
    *status = kExitUsage;
    return std::nullopt;
  }
}

}  // namespace

int QueryCommand(int argc, char** argv) {
  cxxopts::Options spec("tr query", "Search a distribution's packages by name.\n\n"
                                    "  tr query [--distro debian:bookworm] PATTERN\n\n"
                                    "PATTERN is a shell glob (python3-*), or any part of a name.");
  AddCollectionOptions(spec);
  spec.add_options()("pattern", "", cxxopts::value<std::string>());
  spec.parse_positional({"pattern"});
  spec.positional_help("PATTERN");
  int status = 0;
  auto args = Parse(spec, argc, argv, "query", &status);
  if (!args) return status;
  if (!args->count("pattern")) {
    std::fprintf(stderr, "tr query: a PATTERN is required (see tr query --help)\n");
    return kExitUsage;
  }
  auto opened = OpenCollection("query", *args, false, &status);
  if (!opened) return status;
  const PackageIndex* index = KeepForever(std::move(*opened));
  auto names = index->MatchNames(args->operator[]("pattern").as<std::string>());
  if (names.empty()) {
    std::fprintf(stderr, "tr query: no package name matches '%s'\n", args->operator[]("pattern").as<std::string>().c_str());
    return kExitNoPlan;
  }
  for (const auto& name : names) {
    // The highest version first; the others after it.
    std::vector<packages::PackageId> ids = index->WithName(name);
    bool alpine = index->distro() == packages::Distro::kAlpine;
    std::stable_sort(ids.begin(), ids.end(), [&](auto a, auto b) {
      const std::string& va = index->package(a).record.version;
      const std::string& vb = index->package(b).record.version;
      return (alpine ? packages::CompareAlpineVersions(va, vb) : packages::CompareDebianVersionStrings(va, vb)) > 0;
    });
    const auto& best = index->package(ids[0]).record;
    std::string versions = best.version;
    for (size_t i = 1; i < ids.size(); ++i) {
      const std::string& v = index->package(ids[i]).record.version;
      if (versions.find(v) == std::string::npos) versions += ", " + v;
    }
    std::printf("%-40s %-30s %s\n", name.c_str(), versions.c_str(), best.description.c_str());
  }
  return 0;
}

int PlanCommand(int argc, char** argv) {
  cxxopts::Options spec("tr plan", "Resolve packages into an installation plan.\n\n"
                                   "  tr plan [--distro debian:bookworm|alpine:3.20] PKG[=VERSION]... [--json]\n\n"
                                   "Prints every package to install, in installation order, with the total\n"
                                   "download size. Exits 1 with an explanation when no consistent set exists.");
  AddCollectionOptions(spec);
  spec.add_options()
      ("base", "also install the base system: none, essential or required (default none)", cxxopts::value<std::string>())
      ("json", "print the plan as JSON")
      ("tag", "installer tag the plan must use (default level3: download and convert); repeatable",
       cxxopts::value<std::vector<std::string>>())
      ("v,verbose", "show why each package is in the plan, dependency cycles and skipped suites")
      ("packages", "", cxxopts::value<std::vector<std::string>>());
  spec.parse_positional({"packages"});
  spec.positional_help("PKG[=VERSION]...");
  int status = 0;
  auto args = Parse(spec, argc, argv, "plan", &status);
  if (!args) return status;
  build::PackageRequest request;
  request.distro = Distro(*args);
  if (args->count("packages")) request.packages = (*args)["packages"].as<std::vector<std::string>>();
  request.base = args->count("base") ? (*args)["base"].as<std::string>() : "none";
  if (request.base != "none" && request.base != "essential" && request.base != "required") {
    std::fprintf(stderr, "tr plan: --base %s: expected none, essential or required\n", request.base.c_str());
    return kExitUsage;
  }
  if (request.packages.empty() && request.base == "none") {
    std::fprintf(stderr, "tr plan: name at least one package, or a --base set (see tr plan --help)\n");
    return kExitUsage;
  }
  if (args->count("tag")) request.tags = (*args)["tag"].as<std::vector<std::string>>();
  if (args->count("arch")) request.architecture = (*args)["arch"].as<std::string>();
  if (args->count("debian-mirror")) request.debian_mirror = (*args)["debian-mirror"].as<std::string>();
  if (args->count("alpine-mirror")) request.alpine_mirror = (*args)["alpine-mirror"].as<std::string>();
  if (args->count("alpine-keys")) request.alpine_keys = (*args)["alpine-keys"].as<std::string>();
  request.offline = args->count("offline") > 0;
  request.leak_index = true;
  download::ConsoleProgress progress(stderr);
  request.progress = &progress;
  bool verbose = args->count("verbose") > 0;

  std::string error;
  build::PlanFailure failure;
  auto plan = build::ResolvePackages(request, &error, &failure);
  if (plan && verbose) {
    for (const auto& n : plan->notes) std::fprintf(stderr, "tr plan: note: %s\n", n.c_str());
  }
  if (!plan) {
    std::fprintf(stderr, "tr plan: %s\n", error.c_str());
    switch (failure) {
      case build::PlanFailure::kRepository: return kExitRepositoryError;
      case build::PlanFailure::kNoPlan: return kExitNoPlan;
      default: return kExitUsage;
    }
  }
  uint64_t download = 0, installed = 0;
  for (const auto& p : plan->packages) {
    download += p.size;
    installed += p.installed_size;
  }
  if (args->count("json")) {
    nlohmann::json out;
    out["packages"] = nlohmann::json::array();
    for (const auto& p : plan->packages) {
      out["packages"].push_back({{"name", p.name},
                                 {"installer", p.installer},
                                 {"url", p.url},
                                 {"version", p.version},
                                 {"architecture", p.architecture},
                                 {"repo", p.repo},
                                 {"filename", p.filename},
                                 {"size", p.size},
                                 {"checksum", p.checksum},
                                 {"reason", p.reason}});
    }
    out["download_size"] = download;
    out["installed_size"] = installed;
    out["cycles"] = plan->cycles;
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  for (const auto& p : plan->packages) {
    std::printf("%-40s %-32s %10s", p.name.c_str(), p.version.c_str(), download::HumanBytes(p.size).c_str());
    if (verbose) std::printf("  %s", p.reason.c_str());
    std::printf("\n");
  }
  if (verbose) {
    for (const auto& c : plan->cycles) std::printf("note: %s\n", c.c_str());
  }
  std::printf("%zu packages, %s to download, %s installed\n", plan->packages.size(), download::HumanBytes(download).c_str(),
              download::HumanBytes(installed).c_str());
  return 0;
}

}  // namespace tinyrange::cli
