// `tr`: the tinyrange command line. Each subcommand lives in its own file.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/build_fast_path.h"
#include "cli/commands.h"
#include "cli/builder_loader.h"

namespace tinyrange::cli {
namespace {
const auto process_start = std::chrono::steady_clock::now();
}  // namespace
std::chrono::steady_clock::time_point ProcessStart() { return process_start; }
}  // namespace tinyrange::cli

namespace {

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "usage: tr <command> [options]\n"
               "\n"
               "commands:\n"
               "  run       run a command in a fresh VM with packages installed (tr run --help)\n"
               "  vm        boot a kernel in a new VM (tr vm --help)\n"
               "  query     search a distribution's packages (tr query --help)\n"
               "  plan      resolve packages into an installation plan (tr plan --help)\n"
               "  build     build a target of a build file through the cache (tr build --help)\n"
               "  cache     list, measure and clean the build cache (tr cache --help)\n"
               "  starlark  run a Starlark file, test files, or a REPL (tr starlark --help)\n"
               "  version   print the version\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? tinyrange::cli::kExitUsage : 0;
  }
  std::string command = argv[1];
  if (command == "vm") return tinyrange::cli::VmCommand(argc - 1, argv + 1);
  if (command == "run") {
    if (auto status = tinyrange::cli::TryRunFastPath(argc - 1, argv + 1)) return *status;
    return tinyrange::cli::RunCommand(argc - 1, argv + 1);
  }
  if (command == "build") {
    if (auto status = tinyrange::cli::TryBuildFastPath(argc - 1, argv + 1)) return *status;
  }
  if (command == "query" || command == "plan" || command == "starlark" || command == "build" ||
      command == "cache") {
    return tinyrange::cli::RunBuilderCommand(argc - 1, argv + 1);
  }
  if (command == "version" || command == "--version") {
    std::printf("tinyrange %s\n", TINYRANGE_VERSION);
    return 0;
  }
  std::fprintf(stderr, "tr: unknown command '%s'\n", command.c_str());
  PrintUsage(stderr);
  return tinyrange::cli::kExitUsage;
}
