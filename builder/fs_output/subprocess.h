// Runs a helper program (mke2fs, debugfs) and collects what it prints, so
// an error can quote it together with the exact command.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tinyrange::fs_output {

struct ProcessResult {
  int exit_code = 0;    // -1 if it was killed by a signal
  std::string output;   // stdout and stderr, interleaved as written
};

// Finds `name` on PATH, then in /usr/sbin and /sbin (where e2fsprogs lives
// but a non-root PATH often does not reach). A name with a "/" is returned
// unchanged. Empty if not found.
std::string FindProgram(const std::string& name);

// Runs argv[0] (looked up with FindProgram) with stdin from /dev/null, the
// environment plus `env_overrides`. Throws FsOutputError if it cannot be
// started; the exit code is the caller's to judge.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env_overrides = {});

// argv as a shell-quoted command line, for error messages.
std::string CommandLine(const std::vector<std::string>& argv);

}  // namespace tinyrange::fs_output
