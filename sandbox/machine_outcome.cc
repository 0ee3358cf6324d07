#include "sandbox/machine_outcome.h"

#include "cli/exit_codes.h"

namespace tinyrange::sandbox {

ExitStatus ExitStatusOf(const MachineResult& result, bool has_init) {
  const StopEvent& e = result.event;
  switch (e.reason) {
    case StopReason::kExitStatus:
      return {e.status > 255 ? 255 : static_cast<int>(e.status), ""};
    case StopReason::kPowerOff:
    case StopReason::kReset:
      if (!has_init) return {0, ""};
      return {cli::kExitNoStatus,
              std::string("the guest ended (") + StopReasonName(e.reason) +
                  ") without reporting an exit status: guest-init did not finish, most likely because the kernel "
                  "panicked or could not run /init. Run again with --verbose-boot to see the kernel's messages."};
    case StopReason::kCrash:
      return {cli::kExitGuestCrash, e.detail};
    case StopReason::kTimeout:
      return {cli::kExitTimeout, e.detail + " (--timeout)"};
    case StopReason::kInterrupted:
      return {cli::kExitInterrupted, e.detail};
    case StopReason::kHostError:
      return {cli::kExitVmmError, e.detail};
  }
  return {cli::kExitVmmError, "the VM ended for an unknown reason"};
}

nlohmann::json OutcomeOf(const MachineResult& result, const ExitStatus& status, double vm_start_ns,
                         double vm_end_ns) {
  nlohmann::json marks = nlohmann::json::array();
  for (const auto& mark : result.boot_marks) {
    marks.push_back({mark.code, static_cast<double>(mark.since_start.count())});
  }
  nlohmann::json outcome = {{"exit_status", status.code},
                            {"stop", StopReasonName(result.event.reason)},
                            {"marks", marks},
                            {"vm_start_ns", vm_start_ns},
                            {"vm_end_ns", vm_end_ns}};
  if (!status.message.empty()) outcome["message"] = status.message;
  return outcome;
}

}  // namespace tinyrange::sandbox
