// The install steps with everything around them: run
// <root>/.tinyrange/install/steps if it exists, remove the install
// directory, and capture what the steps changed. Separate from the chroot
// (new_root.h) so that it runs on the host against a temporary directory
// in tests, exactly as guest-init runs it with root "/" in the guest.
#pragma once

#include <cstddef>

#include "guest-init/capture_writer.h"

namespace tinyrange {

struct InstallDutyOptions {
  // The new root as a path: "/" in the guest (after the chroot), a
  // temporary directory in tests. The steps run with it as working
  // directory; their argv[0] is absolute, so resolved in the real root.
  const char* root = "/";
  bool ignore_script_errors = false;
  // The open capture disk, or -1 for no capture.
  int capture_fd = -1;
  // Where step failures and problems are reported.
  int console_fd = 2;
  // Passed to RunInstallSteps (step_runner.h).
  void (*in_child)() = nullptr;
};

struct InstallDutyResult {
  bool had_steps = false;
  size_t steps_failed = 0;
  bool captured = false;  // a capture header was written
  CaptureResult capture;
};

// Returns false if the VM must end with kExitInstallFailure: the steps file
// is unreadable or malformed, or a step failed and errors are not ignored
// (the reason is on console_fd). A capture that cannot be taken is
// reported and is not a failure: the host then just finds nothing to cache.
bool RunInstallDuty(const InstallDutyOptions& options, InstallDutyResult* result);

}  // namespace tinyrange
