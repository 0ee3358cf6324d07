// Frames over a unix stream socket, each as a 4-byte big-endian length and
// then the Ethernet frame, in both directions: what passt (and QEMU's
// "stream" netdev) speak.
//
// One thread owns the socket (non-blocking): it reads whatever arrives,
// reassembling frames across partial reads, and writes queued frames as
// the socket takes them, resuming partial writes. Send() only queues, so a
// peer that stops reading costs dropped frames, not a stalled guest.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vmm/scoped_fd.h"
#include "vmm/virtio/net/frame_queue.h"
#include "vmm/virtio/net/net_backend.h"

namespace tinyrange::virtio {

class StreamBackend : public NetBackend {
 public:
  // The largest frame either side may announce (an IP datagram's limit
  // plus the Ethernet header); anything longer means a corrupt stream.
  static constexpr uint32_t kMaxFrame = 65535 + 14;

  // Connects to the unix stream socket at `path`; throws VmmError naming
  // the path when nobody listens there.
  static std::unique_ptr<StreamBackend> Connect(const std::string& path);
  // Over an already connected stream socket; `peer` names it in messages.
  StreamBackend(ScopedFd socket, std::string peer);
  ~StreamBackend() override;
  StreamBackend(const StreamBackend&) = delete;
  StreamBackend& operator=(const StreamBackend&) = delete;

  void Start(ReceiveFn receive, FailureFn failed) override;
  void Stop() override;
  bool Send(std::span<const uint8_t> frame) override;

 private:
  void Loop();
  // Writes queued frames until the socket would block; "" or why the
  // link failed.
  std::string Flush();
  // One read, and delivery of every frame it completed; "" or why the link
  // failed.
  std::string ReadAvailable();
  bool HasOutput();

  ScopedFd socket_;
  ScopedFd wake_;
  std::string peer_;
  ReceiveFn receive_;
  FailureFn failed_;
  std::mutex thread_mu_;  // serialises Start and Stop
  std::thread thread_;

  std::mutex mu_;  // guards what Send() shares with the loop
  FrameQueue outgoing_{256, 1 << 20};
  bool stopping_ = false;
  bool broken_ = false;

  // Owned by the loop thread.
  std::vector<uint8_t> writing_;  // length prefix + frame being written
  size_t written_ = 0;
  std::vector<uint8_t> reading_;  // bytes received, not yet a whole frame
};

}  // namespace tinyrange::virtio
