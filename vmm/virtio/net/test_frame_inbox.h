// Collects frames a backend delivers on its own thread, so a test can wait
// (with a deadline, never a sleep) for the first one that matches.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace tinyrange::virtio::testing {

class FrameInbox {
 public:
  static constexpr std::chrono::seconds kDefaultWait{5};

  void Add(std::span<const uint8_t> frame) {
    std::lock_guard lock(mu_);
    frames_.emplace_back(frame.begin(), frame.end());
    changed_.notify_all();
  }
  void Fail(const std::string& why) {
    std::lock_guard lock(mu_);
    failure_ = why;
    changed_.notify_all();
  }

  // Removes and returns the first frame satisfying `match`, waiting for
  // it up to `wait`; frames that do not match stay.
  std::optional<std::vector<uint8_t>> WaitFor(const std::function<bool(const std::vector<uint8_t>&)>& match,
                                              std::chrono::milliseconds wait = kDefaultWait) {
    std::unique_lock lock(mu_);
    std::optional<std::vector<uint8_t>> found;
    changed_.wait_for(lock, wait, [&] {
      for (auto it = frames_.begin(); it != frames_.end(); ++it) {
        if (match(*it)) {
          found = std::move(*it);
          frames_.erase(it);
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::optional<std::string> WaitForFailure(std::chrono::milliseconds wait = kDefaultWait) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, wait, [&] { return failure_.has_value(); });
    return failure_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::vector<uint8_t>> frames_;
  std::optional<std::string> failure_;
};

}  // namespace tinyrange::virtio::testing
