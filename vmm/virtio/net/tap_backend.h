// Frames through an existing tap device (/dev/net/tun, IFF_TAP|IFF_NO_PI):
// for hosts that bridge or route the guest themselves. The device must
// exist already and be usable by this user (`ip tuntap add ... user`), so
// tr itself needs no privileges.
//
// A reader thread delivers what the tap gives; Send() writes straight to
// the non-blocking tap, one frame per write, and drops the frame if the
// kernel queue is full.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "vmm/scoped_fd.h"
#include "vmm/virtio/net/net_backend.h"

namespace tinyrange::virtio {

class TapBackend : public NetBackend {
 public:
  // Attaches to tap device `name`; throws VmmError naming it and saying
  // what it must be.
  static std::unique_ptr<TapBackend> Open(const std::string& name);
  TapBackend(ScopedFd tap, std::string name);
  ~TapBackend() override;
  TapBackend(const TapBackend&) = delete;
  TapBackend& operator=(const TapBackend&) = delete;

  void Start(ReceiveFn receive, FailureFn failed) override;
  void Stop() override;
  bool Send(std::span<const uint8_t> frame) override;

 private:
  void Loop();

  ScopedFd tap_;
  ScopedFd wake_;
  std::string name_;
  ReceiveFn receive_;
  FailureFn failed_;
  std::mutex thread_mu_;  // serialises Start and Stop
  std::thread thread_;
  std::atomic<bool> stopped_ = false;
};

}  // namespace tinyrange::virtio
