// Running the install steps (install_steps.h): each one a child process
// with its output collected, so that a failing package script can be shown
// to the user with what it printed.
//
// The runner does not chroot: guest-init chroots into the new root itself
// first (new_root.h), and the children inherit it. That keeps the runner
// testable on the host, where the "root" is the host's.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "guest-init/install_steps.h"

namespace tinyrange {

// The steps' environment before their env records (install_steps.h).
inline constexpr const char* kStepBaseEnv[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/root",
    "TERM=linux",
    "LANG=C",
};
inline constexpr size_t kStepBaseEnvCount = sizeof(kStepBaseEnv) / sizeof(kStepBaseEnv[0]);

// How much of a step's output is kept: the end, where the error usually is.
inline constexpr size_t kStepOutputLimit = 64 * 1024;

// Slots BuildStepArgv / BuildStepEnv need, including the closing nullptr.
inline size_t StepArgvSlots(const InstallStepView& step) { return step.argv_count + 1; }
inline size_t StepEnvSlots(const InstallStepView& step) {
  return kStepBaseEnvCount + step.env_count + 1;
}

// Fills argv and envp with pointers into the steps buffer (whose values are
// NUL-terminated) and kStepBaseEnv: the base environment with each env
// record replacing the base entry of the same name (a later record of the
// same name replaces an earlier one), new names appended in order.
void BuildStepArgv(const InstallStepView& step, const char** argv);
void BuildStepEnv(const InstallStepView& step, const char** envp);

struct StepResult {
  // The exit code, or 128 + the signal (exit_status.h); exec failures are
  // 126/127 with the reason in the output.
  uint32_t status = 0;
  int signal = 0;  // non-zero if killed by a signal
  // The last kStepOutputLimit bytes of stdout and stderr, interleaved.
  char output[kStepOutputLimit] = {};
  size_t output_size = 0;
  bool output_truncated = false;
};

// Runs argv[0] (an absolute path) with `envp`: working directory `cwd`,
// stdin /dev/null, stdout and stderr into one pipe that the parent drains
// into result->output. Waits for the child (only that pid), so it is safe
// in PID 1 before the command starts. Returns false only if the child could
// not be started (fork or pipe failed; errno set); a failed exec is a
// started step with status 126/127.
// `in_child`, if set, runs in the child before exec (guest-init passes
// CloseControlPort: I/O-port permissions survive execve, and a package
// script must not be able to write the VM's exit status).
bool RunStep(const char* const* argv, const char* const* envp, const char* cwd, StepResult* result,
             void (*in_child)() = nullptr);

// "install script failed: <label> (exit status N)" or "(killed by signal N)".
void FormatStepFailure(std::string_view label, const StepResult& result, char* out, size_t size);

struct StepsOutcome {
  size_t steps_run = 0;
  size_t steps_failed = 0;
  bool ok = true;  // false: the file was malformed or a step failed (and errors are not ignored)
};

// Parses `steps` and runs each step in `cwd`; on a failure writes
// "tinyrange: <FormatStepFailure>" and the step's output to `console_fd`,
// then stops (or, with `ignore_errors`, writes "tinyrange: warning: ..."
// and goes on). A malformed file is reported there too and fails.
StepsOutcome RunInstallSteps(std::string_view steps, const char* cwd, bool ignore_errors,
                             int console_fd, void (*in_child)() = nullptr);

}  // namespace tinyrange
