// `tr build`: builds a target of a build file (FILE.star:NAME) through the
// content-addressed cache, and `tr build --list FILE.star`.
#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "builder/build/build_engine.h"
#include "builder/build/build_file.h"
#include "builder/build/explain.h"
#include "builder/build/target_memo.h"
#include "builder/download/cache_file.h"
#include "cli/command_options.h"
#include "cli/commands.h"
#include "sandbox/build_vm_runner.h"
#include "starlark/value.h"

namespace tinyrange::cli {
namespace fs = std::filesystem;

namespace {

constexpr int kExitBuildFailed = 1;

// Copies the output to `destination`, replacing it atomically. A copy,
// never a hard link: what a user does to the file (mounting an ext4 image,
// appending to a tarball) must not reach the cache entry behind it.
void Export(const std::string& output, const std::string& destination) {
  fs::path target(destination);
  fs::path temp = target;
  temp += ".tmp-" + std::to_string(getpid());
  std::error_code ec;
  fs::remove_all(temp, ec);
  if (fs::is_directory(output)) {
    fs::copy(output, temp, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  } else {
    std::string error;
    if (!download::CopyFileOut(output, temp.string(), &error)) throw std::runtime_error(error);
  }
  fs::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw std::runtime_error("cannot write " + destination + ": " + ec.message());
  }
}

int ListCommand(const std::string& file) {
  build::BuildFile evaluated = build::EvaluateBuildFile(file);
  auto targets = build::ListTargets(evaluated);
  if (targets.empty()) std::fprintf(stderr, "tr build: %s defines no targets\n", file.c_str());
  for (const auto& [name, describe] : targets) std::printf("%-24s %s\n", name.c_str(), describe.c_str());
  return 0;
}

}  // namespace

int BuildCommand(int argc, char** argv) {
  cxxopts::Options spec("tr build", "Build a target of a build file through the cache.\n\n"
                                    "  tr build FILE.star:NAME [-o OUT]\n"
                                    "  tr build --list FILE.star\n\n"
                                    "The output's path in the cache is printed on stdout.");
  spec.add_options()
      ("target", "FILE.star:NAME", cxxopts::value<std::string>())
      ("o,output", "also write the output to this path (replaced atomically)", cxxopts::value<std::string>())
      ("list", "list the targets of FILE.star")
      ("explain", "say why the target was (re)built and print its dependency tree")
      ("j,jobs", "parallel CPU jobs (default: one per hardware thread)", cxxopts::value<int>()->default_value("0"))
      ("offline", "use only the cache; fail where the network is needed")
      ("v,verbose", "print each definition as it is built")
      ("h,help", "show this help");
  spec.parse_positional({"target"});
  spec.positional_help("FILE.star:NAME");
  cxxopts::ParseResult args;
  try {
    args = spec.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    std::fprintf(stderr, "tr build: %s (see tr build --help)\n", e.what());
    return kExitUsage;
  }
  if (args.count("help")) {
    std::printf("%s\n", spec.help().c_str());
    return 0;
  }
  if (!args.count("target")) {
    std::fprintf(stderr, "tr build: name a target, FILE.star:NAME (or --list FILE.star)\n");
    return kExitUsage;
  }
  std::string target = args["target"].as<std::string>();
  try {
    if (args.count("list")) return ListCommand(target);
    size_t colon = target.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == target.size()) {
      std::fprintf(stderr, "tr build: '%s': expected FILE.star:NAME (see the targets with tr build --list FILE.star)\n",
                   target.c_str());
      return kExitUsage;
    }
    std::string file = target.substr(0, colon), name = target.substr(colon + 1);
    auto start = std::chrono::steady_clock::now();
    build::BuildFile evaluated = build::EvaluateBuildFile(file);
    build::DefinitionPtr definition = build::ResolveTarget(evaluated, name);

    build::EngineOptions options;
    options.jobs = args["jobs"].as<int>();
    options.offline = args.count("offline") > 0;
    options.leak_indexes = true;  // this process ends after the build
    options.run_vm = sandbox::RunVmForBuild;
    // Workers log from several threads; one line at a time.
    auto log_mutex = std::make_shared<std::mutex>();
    auto built_count = std::make_shared<size_t>(0);
    bool status_line = !args.count("verbose") && isatty(STDERR_FILENO);
    if (args.count("verbose")) {
      options.log = [log_mutex](const std::string& line) {
        std::lock_guard<std::mutex> lock(*log_mutex);
        std::fprintf(stderr, "tr build: %s\n", line.c_str());
      };
    } else if (status_line) {
      // A terminal gets one status line, rewritten as definitions finish.
      options.log = [log_mutex, built_count](const std::string& line) {
        std::lock_guard<std::mutex> lock(*log_mutex);
        std::string text = "[" + std::to_string(++*built_count) + "] " + line;
        if (text.size() > 100) text = text.substr(0, 97) + "...";
        std::fprintf(stderr, "\r\033[K%s", text.c_str());
      };
    }
    build::BuildEngine engine(options);
    // The label is the target as the user knows it, so --explain can
    // compare with the last build of the same target.
    std::string label = build::TargetLabel(file, name);
    auto previous = build::LastBuiltHash(engine.options().cache_root, label);
    std::string output;
    auto clear_status = [&] {
      if (status_line && *built_count) std::fprintf(stderr, "\r\033[K");
    };
    try {
      output = engine.Build(definition);
      clear_status();
    } catch (const build::BuildError& e) {
      clear_status();
      std::fprintf(stderr, "tr build: %s failed:\n%s\n", target.c_str(), e.what());
      if (args.count("explain")) std::fprintf(stderr, "%s", build::DependencyTree(engine.Records(), definition->Hash()).c_str());
      return kExitBuildFailed;
    }
    build::TargetMemo memo{TINYRANGE_VERSION, definition->Hash(), evaluated.sources};
    // This module too: a rebuilt tr may define the same scripts differently.
    if (Dl_info info{}; dladdr(reinterpret_cast<void*>(&BuildCommand), &info) && info.dli_fname) {
      memo.sources.push_back(info.dli_fname);
    }
    build::WriteTargetMemo(engine.options().cache_root, label, memo);
    if (args.count("output")) Export(output, args["output"].as<std::string>());

    if (args.count("explain")) {
      auto records = engine.Records();
      const build::BuildRecord& top = records.at(definition->Hash());
      if (top.cached) {
        std::fprintf(stderr, "%s is up to date: its definition (%s) is in the cache.\n", target.c_str(),
                     definition->Hash().substr(0, 12).c_str());
      } else if (!previous) {
        std::fprintf(stderr, "%s was built: it had not been built before with this cache.\n", target.c_str());
      } else {
        std::string change = build::ExplainChange(engine.cache(), *previous, definition);
        std::fprintf(stderr, "%s was built: its definition changed since the last build (%s):\n%s", target.c_str(),
                     previous->substr(0, 12).c_str(), change.empty() ? "  (the previous entry was collected)\n" : change.c_str());
      }
      std::fprintf(stderr, "\n%s", build::DependencyTree(records, definition->Hash()).c_str());
      size_t built = 0, cached = 0;
      for (const auto& [hash, record] : records) (record.cached ? cached : built)++;
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "%zu built, %zu from the cache, %.3f s\n", built, cached, seconds);
    }
    std::printf("%s\n", output.c_str());
    return 0;
  } catch (const starlark::Error& e) {
    std::fprintf(stderr, "%s\n", e.Render().c_str());
    return kExitBuildFailed;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tr build: %s\n", e.what());
    return kExitBuildFailed;
  }
}

}  // namespace tinyrange::cli
