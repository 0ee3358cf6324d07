// The sandbox runner, C++ side of libtinyrange (C API: include/tinyrange.h):
// prepares a request and runs it in a VM with the caller's streams, without
// taking over the process.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "sandbox/run_request.h"

namespace tinyrange::sandbox {

struct RunIo {
  int stdin_fd = -1;  // read until EOF: the command's stdin, which then ends (-1: ends at once)
  std::function<void(std::string_view)> on_stdout;  // null: discarded
  std::function<void(std::string_view)> on_stderr;  // null: discarded
};

// Runs `request` (its `interactive` is ignored: streams stay apart) and
// returns the result record (sandbox/run_result.h). A run that could not
// start has "stop": "not-started" and "error"; nothing is thrown.
nlohmann::json RunSandboxed(RunRequest request, const RunIo& io);

}  // namespace tinyrange::sandbox
