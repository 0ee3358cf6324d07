// Encodes install steps in the format guest-init reads
// (guest-init/install_steps.h): the host decides what runs, in which order
// and with which environment; guest-init only runs the list.
#pragma once

#include <string>
#include <vector>

#include "builder/install/install_plan.h"

namespace tinyrange::install {

struct InstallStep {
  std::string label;              // for messages, e.g. "busybox: postinst configure"
  std::vector<std::string> argv;  // argv[0]: an absolute path inside the new root
  std::vector<std::string> env;   // "NAME=value", added to the steps' base environment
};

// The bytes of a steps file. Throws std::invalid_argument naming the step
// (its index and label) and the field for anything guest-init would
// reject: a NUL in any string, an empty label, no argv, an argv[0] that is
// not absolute, an env entry without '=' or with an empty name.
std::string EncodeInstallSteps(const std::vector<InstallStep>& steps);

// Writes `steps` as the steps archive (options.steps_archive, holding
// /.tinyrange/install/steps), or, when there are none, removes any old
// file there so that a stale one is never used. The result's steps fields
// are filled in.
InstallResult WriteStepsArchive(const std::vector<InstallStep>& steps, const InstallOptions& options);

}  // namespace tinyrange::install
