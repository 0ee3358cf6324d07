// How and why a VM ended. Devices and vCPU threads report the event that
// ends the VM; the first report wins and later ones are ignored, so a guest
// that writes its exit status and then powers off reports the status.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace tinyrange {

enum class StopReason {
  kExitStatus,     // the guest reported a status through the control device
  kPowerOff,       // ACPI S5 or a KVM shutdown system event
  kReset,          // i8042 reset, ACPI reset register, KVM reset event
  kCrash,          // triple fault, failed VM entry, KVM internal error
  kTimeout,        // the host's wall-clock limit expired
  kInterrupted,    // the host asked the VM to stop (signal, console escape)
  kHostError,      // the VMM itself failed (reported in detail)
};

const char* StopReasonName(StopReason reason);

struct StopEvent {
  StopReason reason;
  uint32_t status = 0;  // meaningful for kExitStatus
  std::string detail;
};

class StopController {
 public:
  // Records `event` if nothing was recorded yet; returns whether it was.
  bool Request(StopEvent event);
  bool stopped() const;
  std::optional<StopEvent> event() const;
  // Blocks until an event is recorded.
  StopEvent Wait() const;
  // Blocks until an event is recorded or `deadline` passes.
  std::optional<StopEvent> WaitUntil(std::chrono::steady_clock::time_point deadline) const;
  // Called once, on the requesting thread, after the first event: the
  // machine uses it to kick vCPUs out of KVM_RUN.
  void SetOnStop(std::function<void()> on_stop);

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::optional<StopEvent> event_;
  std::function<void()> on_stop_;
};

}  // namespace tinyrange
