// Runs a program with given stdin, captures stdout and stderr, and kills
// it if it outlives a deadline. Used by the end-to-end tests of `tr`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace tinyrange::testing {

struct ProcessResult {
  int exit_code = -1;       // -1 if killed by a signal
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

// `signal_after`, if non-zero, sends SIGTERM to the process that long after
// it started (for tests of signal handling).
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(60),
                         std::chrono::milliseconds signal_after = std::chrono::milliseconds(0));

}  // namespace tinyrange::testing
