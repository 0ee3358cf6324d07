// Entry points of the `tr` subcommands. Each takes the arguments after
// `tr` (argv[0] is the subcommand name) and returns the process status.
#pragma once

#include <chrono>
#include <optional>

#include "cli/exit_codes.h"

namespace tinyrange::cli {

int VmCommand(int argc, char** argv);
int RunCommand(int argc, char** argv);    // run_command.cc
// A warm `tr run` from its memo (sandbox/run_memo.h), without the builder
// module; nullopt when there is no valid memo.
std::optional<int> TryRunFastPath(int argc, char** argv);
int QueryCommand(int argc, char** argv);  // package_commands.cc
int PlanCommand(int argc, char** argv);   // package_commands.cc
int BuildCommand(int argc, char** argv);  // build_command.cc
int CacheCommand(int argc, char** argv);  // cache_command.cc

// The steady-clock time at which `tr` started (read during static
// initialisation), for timing boot markers from process start.
std::chrono::steady_clock::time_point ProcessStart();

}  // namespace tinyrange::cli
