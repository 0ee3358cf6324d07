#include "vmm/stop_controller.h"

namespace tinyrange {

const char* StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kExitStatus: return "exit-status";
    case StopReason::kPowerOff: return "power-off";
    case StopReason::kReset: return "reset";
    case StopReason::kCrash: return "crash";
    case StopReason::kTimeout: return "timeout";
    case StopReason::kInterrupted: return "interrupted";
    case StopReason::kHostError: return "host-error";
  }
  return "unknown";
}

bool StopController::Request(StopEvent event) {
  std::function<void()> on_stop;
  {
    std::lock_guard lock(mu_);
    if (event_) return false;
    event_ = std::move(event);
    on_stop = on_stop_;
  }
  cv_.notify_all();
  if (on_stop) on_stop();
  return true;
}

bool StopController::stopped() const {
  std::lock_guard lock(mu_);
  return event_.has_value();
}

std::optional<StopEvent> StopController::event() const {
  std::lock_guard lock(mu_);
  return event_;
}

StopEvent StopController::Wait() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return event_.has_value(); });
  return *event_;
}

std::optional<StopEvent> StopController::WaitUntil(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return event_.has_value(); });
  return event_;
}

void StopController::SetOnStop(std::function<void()> on_stop) {
  std::lock_guard lock(mu_);
  on_stop_ = std::move(on_stop);
}

}  // namespace tinyrange
