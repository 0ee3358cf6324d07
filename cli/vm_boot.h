// Booting a VM plan from the command line, shared by `tr vm` and `tr run`:
// the machine with the console on our stdio, stop requests from signals
// and the console escape, and the mapping of how the VM ended to our exit
// status.
#pragma once

#include "vmm/machine.h"
#include "vmm/plan/vm_plan.h"

namespace tinyrange::cli {

// Runs `plan` to its end (throws VmmError if the VM cannot start).
// `verbose_boot` drops "quiet" from the default kernel command line.
MachineResult BootPlan(const VmPlan& plan, bool verbose_boot);

// The process exit status for `result` (cli/exit_codes.h); prints why to
// stderr, prefixed with `who` ("tr vm"), when the guest reported none.
int ExitCodeFor(const MachineResult& result, bool has_init, const char* who);

// Timings and boot marks, to stderr.
void PrintStats(const MachineResult& result);

}  // namespace tinyrange::cli
