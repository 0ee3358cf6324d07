// User-mode networking with libslirp: in-process, needs no privileges.
//
// The guest sees 10.0.2.0/24: it gets 10.0.2.15 by DHCP, 10.0.2.2 is the
// gateway and reaches the host's loopback, 10.0.2.3 answers DNS by asking
// the host's resolver. Published ports listen on the host and connect into
// the guest.
//
// libslirp is single-threaded, so one event-loop thread owns the Slirp
// instance from Start() on: it polls slirp's sockets, runs its timers, and
// takes the guest's frames from a queue that Send() fills (an eventfd wakes
// it). Frames for the guest are delivered from that thread.
#pragma once

#include <poll.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "vmm/scoped_fd.h"
#include "vmm/virtio/net/frame_queue.h"
#include "vmm/virtio/net/net_backend.h"
#include "vmm/virtio/net/port_forward.h"

struct Slirp;

namespace tinyrange::virtio {

struct SlirpOptions {
  std::vector<PortForward> publish;
  uint16_t mtu = 1500;
};

class SlirpBackend : public NetBackend {
 public:
  static constexpr const char* kGuestAddress = "10.0.2.15";
  static constexpr const char* kHostAddress = "10.0.2.2";
  static constexpr const char* kDnsAddress = "10.0.2.3";

  // Creates the stack and binds every published port; throws VmmError
  // naming the port that could not be bound.
  explicit SlirpBackend(const SlirpOptions& options);
  ~SlirpBackend() override;
  SlirpBackend(const SlirpBackend&) = delete;
  SlirpBackend& operator=(const SlirpBackend&) = delete;

  void Start(ReceiveFn receive, FailureFn failed) override;
  void Stop() override;
  bool Send(std::span<const uint8_t> frame) override;

 private:
  struct Timer;
  struct Callbacks;  // the C callbacks handed to libslirp

  void Loop();
  void Wake();
  // Runs the callbacks of timers that are due; returns the milliseconds
  // until the next one (or -1 if none is armed).
  int RunDueTimers();

  Slirp* slirp_ = nullptr;
  ScopedFd wake_;
  ReceiveFn receive_;
  std::mutex thread_mu_;  // serialises Start and Stop
  std::thread thread_;

  std::mutex mu_;  // guards what Send() shares with the loop
  FrameQueue outgoing_{256, 1 << 20};
  bool stopping_ = false;

  // Owned by the loop thread (or the constructing thread before Start).
  std::vector<std::unique_ptr<Timer>> timers_;
  std::vector<pollfd> pollfds_;
};

}  // namespace tinyrange::virtio
