// `tr run`, tr's half: loads the builder module, lets it prepare the VM
// (run_prepare.cc), boots the plan with tr's own VMM and hands the outcome
// back to the module to finish (cli/run_protocol.h).
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/builder_loader.h"
#include "cli/commands.h"
#include "vmm/kvm_access.h"
#include "cli/run_protocol.h"
#include "cli/vm_boot.h"
#include "builder/download/cache_paths.h"
#include "sandbox/machine_outcome.h"
#include "sandbox/run_memo.h"
#include "sandbox/run_result.h"
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

nlohmann::json NotStarted(const std::string& error) {
  std::fprintf(stderr, "tr run: %s\n", error.c_str());
  return {{"exit_status", kExitVmmError}, {"stop", "not-started"}, {"error", error}, {"marks", nlohmann::json::array()}};
}

// Boots a prepared plan with the console on our stdio; the outcome record
// (cli/run_protocol.h).
nlohmann::json BootPrepared(const nlohmann::json& plan_json, bool verbose_boot) {
  try {
    VmPlan plan = ParseVmPlan(plan_json.dump(), "tr run", "");
    std::string problem = KvmAccessProblem();
    if (!problem.empty()) return NotStarted("cannot start the VM. " + problem);
    double start = NanosecondsSinceStart();
    MachineResult result = BootPlan(plan, verbose_boot);
    double end = NanosecondsSinceStart();
    sandbox::ExitStatus exit_status{ExitCodeFor(result, true, "tr run"), ""};
    return sandbox::OutcomeOf(result, exit_status, start, end);
  } catch (const std::exception& e) {
    return NotStarted(e.what());
  }
}

}  // namespace

std::optional<int> TryRunFastPath(int argc, char** argv) {
  std::optional<sandbox::RunMemoHit> hit =
      sandbox::CheckRunMemo(download::CacheRoot(), sandbox::RunMemoRequest(argc, argv), TINYRANGE_VERSION);
  if (!hit) return std::nullopt;
  const sandbox::RunMemoContents& memo = hit->contents;
  // This run's own preparation: reading the memo; nothing was built.
  nlohmann::json state = memo.state;
  state["timings"] = {{"prepare_ms", NanosecondsSinceStart() / 1e6}};
  state["built"] = 0;
  state["cached"] = memo.entries.size();
  nlohmann::json outcome = BootPrepared(memo.plan, memo.verbose_boot);
  if (memo.json) {
    std::string post_install = state.is_object() ? state.value("post_install", "none") : "none";
    std::fprintf(stderr, "%s\n", sandbox::MakeRunResult(state, outcome, post_install).dump().c_str());
  }
  return outcome.value("exit_status", static_cast<int>(kExitVmmError));
}

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

  nlohmann::json outcome;
  try {
    nlohmann::json state = nlohmann::json::parse(prepared.get());
    outcome = BootPrepared(state["plan"], state.value("verbose_boot", false));
  } catch (const std::exception& e) {
    outcome = NotStarted(e.what());
  }
  return finish(prepared.get(), outcome.dump().c_str());
}

}  // namespace tinyrange::cli
