// virtio-net (virtio 1.x, 5.1): one receive and one transmit queue, no
// offloads, frames exchanged with a NetBackend.
//
// Features: MAC, STATUS (the link is always up) and MTU. Without
// MRG_RXBUF and with VERSION_1 every buffer starts with the 12-byte
// virtio_net_hdr_v1, and the Linux driver posts receive buffers that hold a
// whole frame, so one frame is one receive chain.
//
// Transmit runs on the thread that serves the guest's kicks. Receive runs
// on the backend's thread: frames go straight into posted buffers, or wait
// in a bounded queue until the guest posts some; beyond the bound they are
// dropped, because blocking the backend would stall every connection and
// TCP recovers from drops anyway.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "vmm/guest_memory.h"
#include "vmm/virtio/net/frame_queue.h"
#include "vmm/virtio/net/mac_address.h"
#include "vmm/virtio/net/net_backend.h"
#include "vmm/virtio/virtio_device.h"

namespace tinyrange::virtio {

inline constexpr uint64_t kNetFeatureMtu = 1ULL << 3;
inline constexpr uint64_t kNetFeatureMac = 1ULL << 5;
inline constexpr uint64_t kNetFeatureStatus = 1ULL << 16;
inline constexpr uint16_t kNetStatusLinkUp = 1;
inline constexpr size_t kNetHeaderSize = 12;  // virtio_net_hdr_v1
inline constexpr size_t kEthernetHeaderSize = 14;
inline constexpr size_t kMaxFrameSize = 65535;

struct VirtioNetConfig {
  MacAddress mac = kDefaultMac;
  uint16_t mtu = 1500;
  // Where a backend failure is reported (from the backend's thread);
  // by default a line on stderr.
  NetBackend::FailureFn on_backend_failure;
  // Frames kept while the guest has no receive buffers posted.
  size_t rx_backlog_frames = 256;
  size_t rx_backlog_bytes = 1 << 20;
};

// Counters for tests and diagnostics; a consistent snapshot.
struct VirtioNetStats {
  uint64_t tx_frames = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_dropped_malformed = 0;  // shorter than a header, or too long
  uint64_t tx_dropped_backend = 0;    // the backend refused it
  uint64_t rx_frames = 0;
  uint64_t rx_bytes = 0;
  uint64_t rx_dropped_oversize = 0;  // larger than the guest's buffer
  uint64_t rx_dropped_backlog = 0;   // no buffers and the backlog full
  uint64_t rx_dropped_malformed = 0;  // from the backend, not a frame
};

class VirtioNet : public VirtioDevice {
 public:
  static constexpr uint16_t kReceiveQueue = 0;
  static constexpr uint16_t kTransmitQueue = 1;

  // Starts `backend`; its frames are delivered from then on (or kept in
  // the backlog until the driver is ready).
  VirtioNet(const GuestMemory* memory, std::unique_ptr<NetBackend> backend, VirtioNetConfig config);
  // Stops the backend first, so its thread never calls into a dead device.
  ~VirtioNet() override;

  // Stops the backend's thread: call it while the transport is still alive
  // (with the machine's other device shutdowns), since a frame arriving
  // while the transport is being destroyed would reach it half-destroyed.
  // Idempotent; frames the guest sends afterwards are dropped.
  void Shutdown() { backend_->Stop(); }

  uint32_t device_id() const override { return kDeviceIdNet; }
  uint64_t device_features() const override { return kNetFeatureMac | kNetFeatureStatus | kNetFeatureMtu; }
  uint16_t queue_count() const override { return 2; }
  uint16_t queue_max_size() const override { return 256; }
  void ReadConfig(uint64_t offset, std::span<uint8_t> data) override;
  void WriteConfig(uint64_t, std::span<const uint8_t>) override {}
  void Activate(VirtioContext* context) override;
  void QueueNotify(uint16_t queue) override;
  void Reset() override;

  // A frame from the backend (any thread).
  void ReceiveFrame(std::span<const uint8_t> frame);
  VirtioNetStats stats() const;

 private:
  void Transmit();
  // Moves backlog frames into posted receive buffers; call with mu_ held.
  // Returns whether any chain went back to the driver.
  bool DeliverLocked(std::string* error);
  // Notifies the transport after delivering; call without mu_ (the
  // transport holds its own lock when it calls QueueNotify, which takes
  // ours, so taking them in the other order would deadlock).
  static void AfterDelivery(VirtioContext* context, bool delivered, const std::string& error);

  const GuestMemory* memory_;
  VirtioNetConfig config_;
  mutable std::mutex mu_;
  VirtioContext* context_ = nullptr;
  FrameQueue backlog_;
  // A receive chain popped but too small for the frame at hand; the next
  // frame that fits uses it, so the driver never sees an empty buffer.
  std::optional<DescriptorChain> spare_rx_chain_;
  VirtioNetStats stats_;
  std::unique_ptr<NetBackend> backend_;
};

}  // namespace tinyrange::virtio
