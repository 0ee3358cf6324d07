// How a build runs a VM (define.build_vm): the engine's owner supplies the
// runner, since the build library itself has no VMM. `tr` and libtinyrange
// give one that boots the plan in tinyrange's VMM
// (sandbox/build_vm_runner.h).
#pragma once

#include <functional>
#include <string>

#include "vmm/plan/vm_plan.h"

namespace tinyrange::build {

struct VmRunOutcome {
  int exit_status = 0;  // as `tr vm` exits (cli/exit_codes.h)
  std::string console;  // what the VM printed (its last part when long)
  std::string error;    // why it could not start; "" when it ran
};

using VmRunner = std::function<VmRunOutcome(const VmPlan& plan)>;

}  // namespace tinyrange::build
