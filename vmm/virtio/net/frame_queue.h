// A FIFO of Ethernet frames bounded both in count and in bytes, for the
// places where frames wait for the other side (the guest's receive
// buffers, a backend's event loop, a socket that is not writable yet).
// Not thread-safe: its owner's lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace tinyrange::virtio {

class FrameQueue {
 public:
  FrameQueue(size_t max_frames, size_t max_bytes) : max_frames_(max_frames), max_bytes_(max_bytes) {}

  // Appends a copy of `frame`; false (and nothing queued) when that would
  // pass either bound.
  bool Push(std::span<const uint8_t> frame) {
    if (frames_.size() >= max_frames_ || bytes_ + frame.size() > max_bytes_) return false;
    frames_.emplace_back(frame.begin(), frame.end());
    bytes_ += frame.size();
    return true;
  }
  bool empty() const { return frames_.empty(); }
  size_t size() const { return frames_.size(); }
  size_t bytes() const { return bytes_; }
  const std::vector<uint8_t>& front() const { return frames_.front(); }
  std::vector<uint8_t> Pop() {
    std::vector<uint8_t> frame = std::move(frames_.front());
    frames_.pop_front();
    bytes_ -= frame.size();
    return frame;
  }
  void Clear() {
    frames_.clear();
    bytes_ = 0;
  }

 private:
  size_t max_frames_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::deque<std::vector<uint8_t>> frames_;
};

}  // namespace tinyrange::virtio
