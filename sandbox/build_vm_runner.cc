#include "sandbox/build_vm_runner.h"

#include <mutex>

#include "sandbox/machine_outcome.h"
#include "vmm/kvm_access.h"
#include "vmm/plan/plan_machine.h"

namespace tinyrange::sandbox {

namespace {

// Keeps the last kLimit bytes: enough to show why a build failed.
class TailSink : public ByteSink {
 public:
  static constexpr size_t kLimit = 64 * 1024;
  void Write(std::span<const uint8_t> bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    text_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (text_.size() > 2 * kLimit) text_.erase(0, text_.size() - kLimit);
  }
  std::string Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (text_.size() > kLimit) text_.erase(0, text_.size() - kLimit);
    return std::move(text_);
  }

 private:
  std::mutex mu_;
  std::string text_;
};

}  // namespace

build::VmRunOutcome RunVmForBuild(const VmPlan& plan) {
  build::VmRunOutcome outcome;
  outcome.error = KvmAccessProblem();
  if (!outcome.error.empty()) return outcome;
  try {
    TailSink console;
    Machine machine(MachineConfigFor(plan, false, &console, &console));
    MachineResult result = machine.Run();
    ExitStatus status = ExitStatusOf(result, plan.init.has_value());
    outcome.exit_status = status.code;
    outcome.console = console.Take();
    if (!status.message.empty()) outcome.console += "\n" + status.message + "\n";
  } catch (const std::exception& e) {
    outcome.error = e.what();
  }
  return outcome;
}

}  // namespace tinyrange::sandbox
