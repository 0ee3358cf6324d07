// `tr cache ls|du|gc`: what the build cache holds, and garbage collection.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>

#include "builder/build/build_cache.h"
#include "builder/download/cache_paths.h"
#include "builder/download/progress.h"
#include "cli/command_options.h"
#include "cli/commands.h"

namespace tinyrange::cli {
namespace {

std::string Age(time_t then, time_t now) {
  long seconds = static_cast<long>(now - then);
  if (seconds < 120) return std::to_string(std::max(0L, seconds)) + "s ago";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m ago";
  if (seconds < 172800) return std::to_string(seconds / 3600) + "h ago";
  return std::to_string(seconds / 86400) + "d ago";
}

}  // namespace

int CacheCommand(int argc, char** argv) {
  cxxopts::Options spec("tr cache", "Inspect and clean the build cache.\n\n"
                                    "  tr cache ls          every build output: hash, kind, size, last use\n"
                                    "  tr cache du          sizes by kind, and the download store\n"
                                    "  tr cache gc [--keep-days N] [--dry-run]\n"
                                    "                       remove outputs not used for N days (default 30);\n"
                                    "                       outputs in use by a running tr are never removed");
  spec.add_options()
      ("action", "ls, du or gc", cxxopts::value<std::string>())
      ("keep-days", "gc: keep outputs used within this many days", cxxopts::value<int>()->default_value("30"))
      ("dry-run", "gc: say what would be removed, remove nothing")
      ("h,help", "show this help");
  spec.parse_positional({"action"});
  cxxopts::ParseResult args;
  try {
    args = spec.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    std::fprintf(stderr, "tr cache: %s (see tr cache --help)\n", e.what());
    return kExitUsage;
  }
  if (args.count("help") || !args.count("action")) {
    std::printf("%s\n", spec.help().c_str());
    return args.count("help") ? 0 : kExitUsage;
  }
  std::string action = args["action"].as<std::string>();
  build::BuildCache cache(download::CacheRoot());
  time_t now = time(nullptr);
  if (action == "ls") {
    auto entries = cache.List();
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.last_used > b.last_used; });
    for (const auto& e : entries) {
      std::printf("%s  %-15s %10s  %-8s  %s\n", e.hash.substr(0, 12).c_str(), e.kind.c_str(),
                  download::HumanBytes(e.size).c_str(), Age(e.last_used, now).c_str(), e.describe.c_str());
    }
    return 0;
  }
  if (action == "du") {
    std::map<std::string, std::pair<uint64_t, uint64_t>> by_kind;  // kind -> entries, bytes
    uint64_t total = 0;
    for (const auto& e : cache.List()) {
      by_kind[e.kind].first++;
      by_kind[e.kind].second += e.size;
      total += e.size;
    }
    for (const auto& [kind, usage] : by_kind) {
      std::printf("%-15s %6llu entries %10s\n", kind.c_str(), static_cast<unsigned long long>(usage.first),
                  download::HumanBytes(usage.second).c_str());
    }
    std::printf("%-15s %6s         %10s\n", "builds", "", download::HumanBytes(total).c_str());
    std::printf("%-15s %6s         %10s\n", "downloads", "",
                download::HumanBytes(build::PathSize(download::CacheRoot() + "/downloads")).c_str());
    return 0;
  }
  if (action == "gc") {
    build::GcOptions options;
    options.keep_days = args["keep-days"].as<int>();
    options.dry_run = args.count("dry-run") > 0;
    if (options.keep_days < 0) {
      std::fprintf(stderr, "tr cache gc: --keep-days must not be negative\n");
      return kExitUsage;
    }
    build::GcResult result = cache.CollectGarbage(options);
    std::printf("%s %llu entries (%s), %llu leftover temporaries; %llu old entries kept because a running tr uses them\n",
                options.dry_run ? "would remove" : "removed", static_cast<unsigned long long>(result.removed_entries),
                download::HumanBytes(result.removed_bytes).c_str(),
                static_cast<unsigned long long>(result.removed_temporaries),
                static_cast<unsigned long long>(result.kept_in_use));
    return 0;
  }
  std::fprintf(stderr, "tr cache: unknown action '%s': expected ls, du or gc\n", action.c_str());
  return kExitUsage;
}

}  // namespace tinyrange::cli
