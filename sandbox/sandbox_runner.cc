#include "sandbox/sandbox_runner.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>

#include "builder/build/definition.h"
#include "cli/exit_codes.h"
#include "sandbox/machine_outcome.h"
#include "sandbox/prepare_run.h"
#include "sandbox/run_result.h"
#include "starlark/value.h"
#include "vmm/console/stdio_console.h"
#include "vmm/kvm_access.h"
#include "vmm/plan/plan_machine.h"

namespace tinyrange::sandbox {

namespace {

class CallbackSink : public ByteSink {
 public:
  explicit CallbackSink(const std::function<void(std::string_view)>& callback) : callback_(callback) {}
  void Write(std::span<const uint8_t> bytes) override {
    if (callback_) callback_(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }

 private:
  const std::function<void(std::string_view)>& callback_;
};

// guest-init installed beside the library (lib/tinyrange/guest-init for
// lib/libtinyrange.so) or in the build tree; "" lets the plan's own lookup
// ($TINYRANGE_GUEST_INIT, next to the program) decide.
std::string GuestInitNearLibrary() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&GuestInitNearLibrary), &info) || !info.dli_fname) return "";
  std::filesystem::path dir = std::filesystem::path(info.dli_fname).parent_path();
  for (const auto& candidate : {dir / "tinyrange" / "guest-init", dir / ".." / "guest-init" / "guest-init"}) {
    if (access(candidate.c_str(), X_OK) == 0) return candidate.lexically_normal().string();
  }
  return "";
}

nlohmann::json NotStarted(int status, const std::string& error, const nlohmann::json& state) {
  nlohmann::json outcome = {{"exit_status", status}, {"stop", "not-started"}, {"error", error}};
  return MakeRunResult(state, outcome, "none");
}

}  // namespace

nlohmann::json RunSandboxed(RunRequest request, const RunIo& io) {
  request.interactive = false;
  if (request.command.empty()) return NotStarted(cli::kExitUsage, "no command: a sandboxed run needs one", nlohmann::json::object());
  if (request.guest_init.empty()) request.guest_init = GuestInitNearLibrary();
  std::unique_ptr<PreparedRun> prepared;
  try {
    prepared = PrepareRun(request);
  } catch (const RequestError& e) {
    return NotStarted(cli::kExitUsage, e.what(), nlohmann::json::object());
  } catch (const starlark::Error& e) {
    return NotStarted(1, e.Render(), nlohmann::json::object());
  } catch (const std::exception& e) {
    return NotStarted(1, e.what(), nlohmann::json::object());
  }
  std::string problem = KvmAccessProblem();
  if (!problem.empty()) {
    nlohmann::json outcome = {{"exit_status", cli::kExitVmmError}, {"stop", "not-started"}, {"error", problem}};
    return FinishRun(*prepared, outcome);
  }
  nlohmann::json outcome;
  try {
    CallbackSink out(io.on_stdout), err(io.on_stderr);
    MachineConfig config = MachineConfigFor(prepared->plan, false, &out, &err);
    auto epoch = std::chrono::steady_clock::now();
    config.epoch = epoch;
    Machine machine(std::move(config));
    MachineResult result;
    {
      std::optional<ConsoleInputPump> input;
      if (io.stdin_fd >= 0) {
        input.emplace(
            io.stdin_fd, false, [&machine](std::span<const uint8_t> bytes) { return machine.SendConsoleInput(bytes); },
            nullptr, [&machine] { machine.CloseConsoleInput(); });
      } else {
        machine.CloseConsoleInput();  // no input: the command reads end of file
      }
      result = machine.Run();
    }
    double end = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - epoch).count());
    outcome = OutcomeOf(result, ExitStatusOf(result, true), 0, end);
  } catch (const std::exception& e) {
    outcome = {{"exit_status", cli::kExitVmmError}, {"stop", "not-started"}, {"error", e.what()}};
  }
  return FinishRun(*prepared, outcome);
}

}  // namespace tinyrange::sandbox
