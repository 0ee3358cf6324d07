// From a VM plan to the machine that runs it: the kernel command line, the
// guest-init initramfs, the devices. Shared by `tr vm`, `tr run` and the
// sandbox library, which differ only in where the console goes.
#pragma once

#include <string>

#include "vmm/devices/byte_sink.h"
#include "vmm/machine.h"
#include "vmm/plan/vm_plan.h"

namespace tinyrange {

// `verbose_boot` drops "quiet" from the default arguments.
std::string KernelCmdlineFor(const VmPlan& plan, bool verbose_boot);

// `console` receives the console's output; `serial`, the serial port's
// when the plan's console is "split" (else it may be null). Both must
// outlive the machine. Throws VmmError if the guest-init archive cannot be
// made.
MachineConfig MachineConfigFor(const VmPlan& plan, bool verbose_boot, ByteSink* console, ByteSink* serial);

}  // namespace tinyrange
