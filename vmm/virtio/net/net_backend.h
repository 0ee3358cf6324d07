// Where the guest's Ethernet frames go: the interface between virtio-net
// and the host side of the link (slirp_backend.h, tap_backend.h,
// stream_backend.h).
//
// Frames are whole Ethernet frames without the virtio header. Every backend
// runs its own thread and must never block the caller of Send() for long:
// the device calls Send() from the thread serving the guest's queue kicks,
// so a slow peer must cost dropped frames (which the guest's TCP retries),
// never a stalled guest.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace tinyrange::virtio {

class NetBackend {
 public:
  // Called on the backend's thread with each frame for the guest.
  using ReceiveFn = std::function<void(std::span<const uint8_t> frame)>;
  // Called once on the backend's thread when the link is gone for good
  // (peer closed, read error), with a message saying why.
  using FailureFn = std::function<void(const std::string& why)>;

  virtual ~NetBackend() = default;  // implementations call Stop()

  // Starts delivering frames. Called once; nothing is delivered before.
  virtual void Start(ReceiveFn receive, FailureFn failed) = 0;
  // Stops the backend's thread and waits for it, so no callback runs once
  // it returns; Send() fails from then on. Idempotent; thread-safe, except
  // from the backend's own callbacks.
  virtual void Stop() = 0;
  // Hands one frame to the network; false if it was dropped (queue full,
  // link gone). Thread-safe.
  virtual bool Send(std::span<const uint8_t> frame) = 0;
};

}  // namespace tinyrange::virtio
