// How a VM run ended, in the terms of `tr`'s exit statuses
// (cli/exit_codes.h): shared by `tr vm`, `tr run` and the sandbox library,
// so that all of them report the same status for the same ending.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "vmm/machine.h"

namespace tinyrange::sandbox {

struct ExitStatus {
  int code = 0;
  // Why, when the guest reported no status of its own (else empty).
  std::string message;
};

// `has_init`: guest-init ran the command, so a power-off without a status
// means it did not finish.
ExitStatus ExitStatusOf(const MachineResult& result, bool has_init);

// The outcome record FinishRun takes (sandbox/prepare_run.h); times in ns
// since the machine's epoch.
nlohmann::json OutcomeOf(const MachineResult& result, const ExitStatus& status, double vm_start_ns,
                         double vm_end_ns);

}  // namespace tinyrange::sandbox
