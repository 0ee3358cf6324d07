#include "cli/builder_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <string>

#include "cli/exit_codes.h"

namespace tinyrange::cli {
namespace {

constexpr const char* kModuleName = "tinyrange-builder.so";

std::string ExecutableDirectory() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  std::string p(path, static_cast<size_t>(n));
  return p.substr(0, p.rfind('/'));
}

}  // namespace

void* LoadBuilderModule(std::string* errors) {
  std::string dir = ExecutableDirectory();
  std::string candidates[] = {dir + "/" + kModuleName, dir + "/../lib/tinyrange/" + kModuleName};
  for (const auto& path : candidates) {
    if (access(path.c_str(), R_OK) != 0) continue;
    void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!module) {
      const char* why = dlerror();
      *errors += "\n  " + path + ": " + (why ? why : "cannot be loaded");
      continue;
    }
    if (!dlsym(module, "tinyrange_builder_main")) {
      *errors += "\n  " + path + ": not a tinyrange builder module";
      continue;
    }
    return module;
  }
  return nullptr;
}

void ReportMissingModule(const char* command, const std::string& errors) {
  std::fprintf(stderr,
               "tr %s: the builder module %s was not found next to tr or in ../lib/tinyrange/%s\n"
               "Reinstall tinyrange (or rebuild: scripts/build.sh).\n",
               command, kModuleName, errors.c_str());
}

int RunBuilderCommand(int argc, char** argv) {
  std::string errors;
  void* module = LoadBuilderModule(&errors);
  if (!module) {
    ReportMissingModule(argv[0], errors);
    return kExitVmmError;
  }
  using Entry = int (*)(int, char**);
  auto entry = reinterpret_cast<Entry>(dlsym(module, "tinyrange_builder_main"));
  return entry(argc, argv);
}

}  // namespace tinyrange::cli
