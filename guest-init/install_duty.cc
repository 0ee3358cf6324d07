#include "guest-init/install_duty.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest-init/config_file.h"
#include "guest-init/install_steps.h"
#include "guest-init/remove_tree.h"
#include "guest-init/root_snapshot.h"
#include "guest-init/step_runner.h"

namespace tinyrange {

bool RunInstallDuty(const InstallDutyOptions& options, InstallDutyResult* result) {
  *result = InstallDutyResult{};
  int console = options.console_fd;
  int root = open(options.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    dprintf(console, "guest-init: open the new root %s: %s\n", options.root, strerror(errno));
    return false;
  }
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s%s", strcmp(options.root, "/") == 0 ? "" : options.root,
           kInstallStepsPath);
  char* steps = nullptr;
  size_t steps_size = 0;
  int err = ReadWholeFile(path, &steps, &steps_size);
  if (err == ENOENT) {
    close(root);
    return true;  // nothing to install
  }
  if (err != 0) {
    dprintf(console, "guest-init: read %s: %s\n", kInstallStepsPath, strerror(err));
    close(root);
    return false;
  }
  result->had_steps = true;

  char error[600];
  RootSnapshot before;  // its table is on the heap
  bool capture = options.capture_fd >= 0;
  if (capture && !before.Take(root, error, sizeof(error))) {
    dprintf(console, "guest-init: capture: %s\n", error);
    capture = false;
  }

  StepsOutcome outcome = RunInstallSteps(std::string_view(steps, steps_size), options.root,
                                         options.ignore_script_errors, console, options.in_child);
  free(steps);
  result->steps_failed = outcome.steps_failed;
  if (!outcome.ok) {
    close(root);
    return false;
  }
  // A state reached with failed (ignored) scripts is not the plan's state:
  // it is never handed back for caching, so a later run without
  // --ignore-script-errors still runs them and sees them fail.
  if (capture && outcome.steps_failed > 0) {
    dprintf(console, "guest-init: capture: skipped, %zu install script(s) failed\n",
            static_cast<size_t>(outcome.steps_failed));
    capture = false;
  }
  err = RemoveTree(root, kInstallDirectory + 1);
  if (err != 0) {
    dprintf(console, "guest-init: remove %s: %s\n", kInstallDirectory, strerror(err));
  }

  if (capture) {
    RootSnapshot after;
    if (!after.Take(root, error, sizeof(error)) ||
        !WriteCapture(root, before, after, options.capture_fd, &result->capture, error,
                      sizeof(error))) {
      dprintf(console, "guest-init: capture: %s\n", error);
    } else {
      result->captured = true;
      if (result->capture.status == CaptureStatus::kNotCacheable) {
        dprintf(console, "guest-init: capture: not cacheable: %s (an archive cannot express it)\n",
                result->capture.reason);
      } else if (result->capture.status == CaptureStatus::kTooLarge) {
        dprintf(console, "guest-init: capture: the changes do not fit on the capture disk\n");
      }
    }
  }
  close(root);
  return true;
}

}  // namespace tinyrange
