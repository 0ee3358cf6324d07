#include "vmm/virtio/virtio_mmio.h"

#include <gtest/gtest.h>

#include "vmm/virtio/test_driver.h"

namespace tinyrange::virtio {
namespace {

class RecordingLine : public IrqLine {
 public:
  void SetLevel(bool high) override { level = high; }
  bool level = false;
};

// A device with two queues that echoes: it returns each chain it gets.
class EchoDevice : public VirtioDevice {
 public:
  uint32_t device_id() const override { return 42; }
  uint64_t device_features() const override { return 1ULL << 5; }
  uint16_t queue_count() const override { return 2; }
  uint16_t queue_max_size() const override { return 16; }
  void ReadConfig(uint64_t offset, std::span<uint8_t> data) override {
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(offset + i);
  }
  void WriteConfig(uint64_t, std::span<const uint8_t>) override {}
  void Activate(VirtioContext* context) override {
    context_ = context;
    ++activations;
  }
  void QueueNotify(uint16_t queue) override {
    ++notifications;
    std::string error;
    while (auto chain = context_->queue(queue).Pop(&error)) context_->queue(queue).Push(chain->head, 0);
    if (!error.empty()) context_->NeedsReset(error);
    context_->NotifyUsed(queue);
  }
  void Reset() override {
    context_ = nullptr;
    ++resets;
  }
  VirtioContext* context_ = nullptr;
  int activations = 0, notifications = 0, resets = 0;
};

class VirtioMmioTest : public ::testing::Test {
 protected:
  VirtioMmioTest() {
    auto d = std::make_unique<EchoDevice>();
    device = d.get();
    transport = std::make_unique<VirtioMmioTransport>(std::move(d), &memory, &line);
    driver = std::make_unique<testing::TestDriver>(transport.get(), &memory);
  }
  uint32_t In(uint64_t offset) { return driver->In(offset); }
  void Out(uint64_t offset, uint32_t value) { driver->Out(offset, value); }
  // The Linux driver's sequence up to DRIVER_OK, with queue 0 at 0x10000.
  void Handshake(uint64_t features_high = 1 /* VERSION_1 */) {
    Out(0x070, 0);
    Out(0x070, kStatusAcknowledge);
    Out(0x070, kStatusAcknowledge | kStatusDriver);
    Out(0x024, 0);
    Out(0x020, 0);
    Out(0x024, 1);
    Out(0x020, static_cast<uint32_t>(features_high));
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    Out(0x030, 0);
    Out(0x038, 8);
    Out(0x080, 0x10000);
    Out(0x090, 0x11000);
    Out(0x0a0, 0x12000);
    Out(0x044, 1);
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
  }

  GuestMemory memory = GuestMemory::CreateX86(4 << 20);
  RecordingLine line;
  EchoDevice* device;
  std::unique_ptr<VirtioMmioTransport> transport;
  std::unique_ptr<testing::TestDriver> driver;
};

TEST_F(VirtioMmioTest, IdentityRegisters) {
  EXPECT_EQ(In(0x000), kMmioMagic);
  EXPECT_EQ(In(0x004), 2u);
  EXPECT_EQ(In(0x008), 42u);
  Out(0x014, 1);
  EXPECT_TRUE(In(0x010) & 1);  // VERSION_1 is bit 32
  Out(0x014, 0);
  EXPECT_EQ(In(0x010) & (1u << 5), 1u << 5);
  EXPECT_TRUE(In(0x010) & (1u << 28));  // indirect descriptors
  EXPECT_EQ(In(0x100), 0x03020100u);    // device config
  Out(0x030, 7);
  EXPECT_EQ(In(0x034), 0u);  // no such queue
}

TEST_F(VirtioMmioTest, HandshakeActivatesAndNotifies) {
  Handshake();
  EXPECT_EQ(In(0x070) & kStatusDriverOk, kStatusDriverOk);
  EXPECT_EQ(device->activations, 1);
  // Make one buffer available and kick.
  uint64_t addr = 0x20000;
  uint32_t len = 8;
  uint16_t flags = 0, next = 0;
  memory.WriteObject(0x10000, addr);
  memory.WriteObject(0x10008, len);
  memory.WriteObject(0x1000c, flags);
  memory.WriteObject(0x1000e, next);
  memory.WriteObject(0x11004, uint16_t{0});
  memory.WriteObject(0x11002, uint16_t{1});
  Out(0x050, 0);
  EXPECT_EQ(device->notifications, 1);
  EXPECT_TRUE(line.level);
  EXPECT_EQ(In(0x060), kInterruptUsedBuffer);
  Out(0x064, kInterruptUsedBuffer);
  EXPECT_FALSE(line.level);
  uint16_t used_idx = 0;
  memory.ReadObject(0x12002, &used_idx);
  EXPECT_EQ(used_idx, 1);
}

TEST_F(VirtioMmioTest, FeaturesWithoutVersion1AreRefused) {
  Handshake(0);
  EXPECT_EQ(In(0x070) & kStatusFeaturesOk, 0u);
  EXPECT_EQ(In(0x070) & kStatusDriverOk, 0u);
  EXPECT_EQ(device->activations, 0);
}

TEST_F(VirtioMmioTest, UnofferedFeaturesAreRefused) {
  Handshake(1 | (1u << 20));  // bit 52 was not offered
  EXPECT_EQ(In(0x070) & kStatusFeaturesOk, 0u);
}

TEST_F(VirtioMmioTest, BadQueueAddressNeedsReset) {
  Out(0x070, kStatusAcknowledge | kStatusDriver);
  Out(0x024, 1);
  Out(0x020, 1);
  Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
  Out(0x030, 0);
  Out(0x038, 8);
  Out(0x080, 0xc0000000);  // MMIO hole, not RAM
  Out(0x044, 1);
  EXPECT_EQ(In(0x044), 0u);
  EXPECT_TRUE(In(0x070) & kStatusNeedsReset);
  EXPECT_TRUE(In(0x060) & kInterruptConfigChange);
  EXPECT_NE(transport->needs_reset_reason().find("outside guest RAM"), std::string::npos);
  // A reset clears everything, and the device is told.
  Out(0x070, 0);
  EXPECT_EQ(In(0x070), 0u);
  EXPECT_EQ(In(0x060), 0u);
  EXPECT_GE(device->resets, 1);
}

TEST_F(VirtioMmioTest, OversizedQueueNeedsReset) {
  Out(0x030, 0);
  Out(0x038, 32);  // QueueNumMax is 16
  Out(0x044, 1);
  EXPECT_TRUE(In(0x070) & kStatusNeedsReset);
}

TEST_F(VirtioMmioTest, MalformedChainNeedsReset) {
  Handshake();
  // Descriptor 0 points to itself: a loop.
  memory.WriteObject(0x10000, uint64_t{0x20000});
  memory.WriteObject(0x10008, uint32_t{8});
  memory.WriteObject(0x1000c, uint16_t{kDescFlagNext});
  memory.WriteObject(0x1000e, uint16_t{0});
  memory.WriteObject(0x11002, uint16_t{1});
  Out(0x050, 0);
  EXPECT_TRUE(In(0x070) & kStatusNeedsReset);
  // Kicks after that reach no device code.
  Out(0x050, 0);
  EXPECT_EQ(device->notifications, 1);
}

TEST_F(VirtioMmioTest, OddAccessesAreIgnored) {
  uint8_t b[2] = {0xff, 0xff};
  transport->Write(0x070, b);  // 16-bit write to a 32-bit register
  EXPECT_EQ(In(0x070), 0u);
  uint8_t one[1];
  transport->Read(0x000, one);  // 8-bit read
  EXPECT_EQ(one[0], 0);
  Out(0x050, 12345);  // notify a queue that does not exist, before DRIVER_OK
  EXPECT_EQ(device->notifications, 0);
}

TEST_F(VirtioMmioTest, QueueRegistersFrozenWhileReady) {
  Handshake();
  Out(0x030, 0);
  Out(0x080, 0x50000);  // ignored: queue 0 is ready
  EXPECT_EQ(In(0x044), 1u);
  EXPECT_FALSE(In(0x070) & kStatusNeedsReset);
}

TEST_F(VirtioMmioTest, QueuesCannotBeDisabledUnderALiveDevice) {
  // A live device uses its queues from its own threads; a hostile
  // QueueReady=0 after DRIVER_OK must not reset a queue under it.
  Handshake();
  Out(0x030, 0);
  Out(0x044, 0);
  EXPECT_EQ(In(0x044), 1u);
  Out(0x050, 0);
  EXPECT_EQ(device->notifications, 1);
  // After a device reset the queue is off and can be set up again.
  Out(0x070, 0);
  EXPECT_EQ(In(0x044), 0u);
}

}  // namespace
}  // namespace tinyrange::virtio
