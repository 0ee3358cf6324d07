// How `tr` and the builder module split `tr run` between them: the module
// builds everything and describes the VM (tinyrange_run_prepare), `tr`
// boots it with its VMM, and the module finishes the run with the outcome
// (tinyrange_run_finish). Only C types cross: `tr` carries its own C++
// runtime.
//
// The prepared state is a JSON object made and read by the module, except
// for the members `tr` reads: "plan" (a VM plan, vmm/plan/vm_plan.h) and
// "verbose_boot". The outcome is a JSON object made by `tr`:
//   {"exit_status": N,            what tr exits with (cli/exit_codes.h)
//    "stop": "exit-status",       how the VM ended (StopReasonName), or
//                                 "not-started" with "error": "why"
//    "marks": [[CODE, NS], ...],  boot marks, ns since tr started
//    "vm_start_ns": NS, "vm_end_ns": NS}
#pragma once

namespace tinyrange::cli {

// tinyrange_run_prepare's return value when *prepared holds a VM to boot;
// any other value is tr's exit status (help, --print-plan, errors).
inline constexpr int kRunPrepared = -1;
// Resolving, fetching or building failed (the message says which package
// or file).
inline constexpr int kExitRunBuildFailed = 1;

extern "C" {
// *prepared is malloc'd; the caller frees it after tinyrange_run_finish.
using RunPrepareFunction = int (*)(int argc, char** argv, char** prepared);
// Returns tr's exit status.
using RunFinishFunction = int (*)(const char* prepared, const char* outcome);
}

}  // namespace tinyrange::cli
