// `tr run`, tr's half: loads the builder module, lets it prepare the VM
// (run_prepare.cc), boots the plan with tr's own VMM and hands the outcome
// back to the module to finish (cli/run_protocol.h).
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/builder_loader.h"
#include "cli/commands.h"
#include "vmm/kvm_access.h"
#include "cli/run_protocol.h"
#include "cli/vm_boot.h"
#include "sandbox/machine_outcome.h"
#include "vmm/plan/vm_plan.h"
#include "vmm/vmm_error.h"

namespace tinyrange::cli {

namespace {

double NanosecondsSinceStart() {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - ProcessStart()).count());
}

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

}  // namespace

int RunCommand(int argc, char** argv) {
  std::string errors;
  void* module = LoadBuilderModule(&errors);
  if (!module) {
    ReportMissingModule("run", errors);
    return kExitVmmError;
  }
  auto prepare = reinterpret_cast<RunPrepareFunction>(dlsym(module, "tinyrange_run_prepare"));
  auto finish = reinterpret_cast<RunFinishFunction>(dlsym(module, "tinyrange_run_finish"));
  if (!prepare || !finish) {
    std::fprintf(stderr, "tr run: the builder module is from another version of tinyrange; reinstall it\n");
    return kExitVmmError;
  }
  char* raw = nullptr;
  int status = prepare(argc, argv, &raw);
  std::unique_ptr<char, FreeDeleter> prepared(raw);
  if (status != kRunPrepared) return status;

  nlohmann::json outcome = {{"marks", nlohmann::json::array()}};
  try {
    nlohmann::json state = nlohmann::json::parse(prepared.get());
    VmPlan plan = ParseVmPlan(state["plan"].dump(), "tr run", "");
    std::string problem = KvmAccessProblem();
    if (!problem.empty()) {
      std::fprintf(stderr, "tr run: cannot start the VM. %s\n", problem.c_str());
      outcome["exit_status"] = kExitVmmError;
      outcome["stop"] = "not-started";
      outcome["error"] = problem;
      return finish(prepared.get(), outcome.dump().c_str());
    }
    double start = NanosecondsSinceStart();
    MachineResult result = BootPlan(plan, state.value("verbose_boot", false));
    double end = NanosecondsSinceStart();
    sandbox::ExitStatus exit_status{ExitCodeFor(result, true, "tr run"), ""};
    outcome = sandbox::OutcomeOf(result, exit_status, start, end);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tr run: %s\n", e.what());
    outcome["exit_status"] = kExitVmmError;
    outcome["stop"] = "not-started";
    outcome["error"] = e.what();
  }
  return finish(prepared.get(), outcome.dump().c_str());
}

}  // namespace tinyrange::cli
