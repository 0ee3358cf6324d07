// The VM runner builds use (builder/build/vm_runner.h): boots a plan in
// tinyrange's VMM with the console kept for the build log.
#pragma once

#include "builder/build/vm_runner.h"

namespace tinyrange::sandbox {

build::VmRunOutcome RunVmForBuild(const VmPlan& plan);

}  // namespace tinyrange::sandbox
