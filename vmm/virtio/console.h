// virtio-console (virtio 1.x, 5.3), single port: the guest's hvc0.
//
// With a size (the host's terminal), the device offers VIRTIO_CONSOLE_F_SIZE
// and raises a configuration change when SetSize() changes it; Linux then
// resizes hvc0 and signals the foreground process (SIGWINCH).
//
// The transmit queue's bytes go to a ByteSink (stdout) in order. Host input
// is queued and handed to the guest as it posts receive buffers; like the
// serial port, EnqueueInput blocks while the guest has not taken what was
// queued before, so a host pipe is read at the guest's pace and no byte is
// dropped.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "vmm/devices/byte_sink.h"
#include "vmm/guest_memory.h"
#include "vmm/virtio/virtio_device.h"

namespace tinyrange::virtio {

// Moves bytes from the front of `input` into the buffers the driver has
// posted on `queue`, as many as fit; returns whether a buffer was used.
// Shared by the console and the input port (input_port.h).
bool FillReceiveBuffers(SplitQueue& queue, const GuestMemory& memory, std::deque<uint8_t>* input,
                        std::string* error);

class VirtioConsole : public VirtioDevice {
 public:
  static constexpr uint16_t kReceiveQueue = 0;
  static constexpr uint16_t kTransmitQueue = 1;
  static constexpr size_t kInputHighWater = 4096;
  static constexpr uint64_t kFeatureSize = 1ULL << 0;

  struct Size {
    uint16_t cols = 0;
    uint16_t rows = 0;
  };

  VirtioConsole(const GuestMemory* memory, ByteSink* output, std::optional<Size> size = {})
      : memory_(memory), output_(output), reports_size_(size.has_value()), size_(size.value_or(Size{80, 25})) {}

  uint32_t device_id() const override { return kDeviceIdConsole; }
  uint64_t device_features() const override { return reports_size_ ? kFeatureSize : 0; }
  uint16_t queue_count() const override { return 2; }
  uint16_t queue_max_size() const override { return 256; }
  void ReadConfig(uint64_t offset, std::span<uint8_t> data) override;
  void WriteConfig(uint64_t, std::span<const uint8_t>) override {}
  void Activate(VirtioContext* context) override;
  void QueueNotify(uint16_t queue) override;
  void Reset() override;

  // Queues host input; blocks at the high-water mark; false after Shutdown.
  bool EnqueueInput(std::span<const uint8_t> bytes);
  void Shutdown();
  // The host terminal's new size; ignored without a size at construction.
  void SetSize(uint16_t cols, uint16_t rows);

 private:
  void Transmit();
  // Moves pending input into posted receive buffers; call with mu_ held.
  // Returns whether anything was delivered.
  bool DeliverLocked(std::string* error);

  const GuestMemory* memory_;
  ByteSink* output_;
  std::mutex mu_;
  std::condition_variable drained_;
  std::deque<uint8_t> input_;
  bool shutdown_ = false;
  VirtioContext* context_ = nullptr;
  const bool reports_size_;
  Size size_;  // guarded by mu_
};

}  // namespace tinyrange::virtio
