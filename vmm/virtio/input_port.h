// A virtio-console device in multiport mode (virtio 1.x, 5.3.6.2) with one
// generic, named port: a byte stream from the host that ends.
//
// The console device (console.h) is a terminal, and a terminal never reaches
// end of file; a command reading a host pipe must. Linux shows this port as
// /dev/vportNp0, a plain character device, with its name in
// /sys/class/virtio-ports/vportNp0/name. Reading it returns the host's bytes
// in order and then 0 once the host has said it is no longer connected
// (PORT_OPEN 0), which we say after the last byte has been taken.
//
// The handshake, as the Linux driver runs it: the driver posts control
// buffers and sends DEVICE_READY; we answer DEVICE_ADD for port 0; it posts
// the port's receive buffers and sends PORT_READY; we answer PORT_OPEN (host
// connected, or not if the input already ended empty) and then PORT_NAME, in
// that order, so a guest that sees the name also sees the connection state.
// The driver drops data that arrives before a program opens the port, so
// input waits until the guest's own PORT_OPEN 1.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "vmm/guest_memory.h"
#include "vmm/virtio/virtio_device.h"

namespace tinyrange::virtio {

class VirtioInputPort : public VirtioDevice {
 public:
  static constexpr uint16_t kPortReceiveQueue = 0;
  static constexpr uint16_t kPortTransmitQueue = 1;
  static constexpr uint16_t kControlReceiveQueue = 2;   // device to driver
  static constexpr uint16_t kControlTransmitQueue = 3;  // driver to device
  static constexpr uint16_t kQueueCount = 4;
  static constexpr uint64_t kFeatureMultiport = 1ULL << 1;
  static constexpr size_t kInputHighWater = 4096;
  static constexpr size_t kMaxNameLength = 64;

  // Control events (struct virtio_console_control: le32 id, le16 event, le16 value).
  enum Event : uint16_t {
    kDeviceReady = 0,
    kDeviceAdd = 1,
    kPortReady = 3,
    kPortOpen = 6,
    kPortName = 7,
  };

  // `name` is what the guest finds in sysfs; at most kMaxNameLength bytes.
  VirtioInputPort(const GuestMemory* memory, std::string name);

  uint32_t device_id() const override { return kDeviceIdConsole; }
  uint64_t device_features() const override { return kFeatureMultiport; }
  uint16_t queue_count() const override { return kQueueCount; }
  uint16_t queue_max_size() const override { return 256; }
  void ReadConfig(uint64_t offset, std::span<uint8_t> data) override;
  void WriteConfig(uint64_t, std::span<const uint8_t>) override {}
  void Activate(VirtioContext* context) override;
  void QueueNotify(uint16_t queue) override;
  void Reset() override;

  // Queues host input; blocks at the high-water mark until the guest takes
  // it. False once the input cannot reach the guest any more (Shutdown, or
  // the guest closed the port): the caller can stop reading.
  bool EnqueueInput(std::span<const uint8_t> bytes);
  // The host input ended: after what was queued, the guest reads end of file.
  void CloseInput();
  void Shutdown();

 private:
  // Queues indexes whose used rings changed, to notify outside mu_.
  struct Notifications {
    bool queue[kQueueCount] = {};
    std::string error;
  };
  void HandleControlLocked(Notifications* out);
  void SendControlLocked(uint16_t event, uint16_t value, std::string_view payload = {});
  // Moves what can go now (control messages, input) into posted buffers.
  void DeliverLocked(Notifications* out);
  void DiscardTransmitLocked(Notifications* out);
  void Flush(VirtioContext* context, const Notifications& n);
  bool InputFinishedLocked() const { return input_closed_ && input_.empty(); }

  const GuestMemory* memory_;
  const std::string name_;
  std::mutex mu_;
  std::condition_variable drained_;
  VirtioContext* context_ = nullptr;
  std::deque<std::vector<uint8_t>> control_out_;
  std::deque<uint8_t> input_;
  bool input_closed_ = false;
  bool port_ready_ = false;        // the driver has the port (PORT_READY 1)
  bool guest_open_ = false;        // a guest program has it open
  bool guest_closed_ = false;      // ... and closed it again
  bool told_end_ = false;          // PORT_OPEN 0 sent
  bool shutdown_ = false;
};

}  // namespace tinyrange::virtio
