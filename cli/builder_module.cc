// The builder module (tinyrange-builder.so): the commands that need the
// package collections, downloads and the Starlark interpreter. `tr` loads it
// only for those commands (builder_loader.h), so `tr vm` starts without
// libcurl, libarchive and their dependencies.
//
// Only C types cross the boundary: `tr` carries its own C++ runtime.
#include <malloc.h>

#include <cstdio>
#include <cstring>

#include "cli/commands.h"
#include "cli/starlark_command.h"

extern "C" __attribute__((visibility("default"))) int tinyrange_builder_main(int argc, char** argv) {
  // Loading a package index allocates hundreds of thousands of strings from
  // several threads; growing the heaps 64 MiB at a time instead of page by
  // page saves over a thousand mprotect/brk calls.
  mallopt(M_TOP_PAD, 64 << 20);
  const char* command = argv[0];
  if (std::strcmp(command, "query") == 0) return tinyrange::cli::QueryCommand(argc, argv);
  if (std::strcmp(command, "plan") == 0) return tinyrange::cli::PlanCommand(argc, argv);
  if (std::strcmp(command, "build") == 0) return tinyrange::cli::BuildCommand(argc, argv);
  if (std::strcmp(command, "cache") == 0) return tinyrange::cli::CacheCommand(argc, argv);
  if (std::strcmp(command, "starlark") == 0) return tinyrange::cli::StarlarkCommand(argc, argv);
  std::fprintf(stderr, "tr: the builder module has no command '%s'\n", command);
  return tinyrange::cli::kExitUsage;
}
