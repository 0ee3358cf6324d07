#include "vmm/virtio/net/virtio_net.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "vmm/virtio/net/net_test_driver.h"

namespace tinyrange::virtio {
namespace {

using testing::NetTestDriver;

// Records what the device sends and lets the test play the backend thread.
class FakeBackend : public NetBackend {
 public:
  void Start(ReceiveFn receive, FailureFn failed) override {
    receive_ = std::move(receive);
    failed_ = std::move(failed);
  }
  void Stop() override {}
  bool Send(std::span<const uint8_t> frame) override {
    std::lock_guard lock(mu_);
    if (refuse) return false;
    sent.emplace_back(frame.begin(), frame.end());
    return true;
  }
  void Deliver(const std::vector<uint8_t>& frame) { receive_(frame); }

  std::mutex mu_;
  bool refuse = false;
  std::vector<std::vector<uint8_t>> sent;
  ReceiveFn receive_;
  FailureFn failed_;
};

std::vector<uint8_t> Frame(size_t size, uint8_t fill) {
  std::vector<uint8_t> frame(size, fill);
  for (size_t i = 0; i < 6; ++i) frame[i] = 0xff;  // broadcast destination
  return frame;
}

std::vector<uint8_t> WithHeader(const std::vector<uint8_t>& frame) {
  std::vector<uint8_t> bytes(kNetHeaderSize + frame.size(), 0);
  std::copy(frame.begin(), frame.end(), bytes.begin() + kNetHeaderSize);
  return bytes;
}

class VirtioNetTest : public ::testing::Test {
 protected:
  void Create(VirtioNetConfig config = {}) {
    auto b = std::make_unique<FakeBackend>();
    backend = b.get();
    auto n = std::make_unique<VirtioNet>(&memory, std::move(b), std::move(config));
    net = n.get();
    transport = std::make_unique<VirtioMmioTransport>(std::move(n), &memory, nullptr);
    driver = std::make_unique<NetTestDriver>(transport.get(), &memory);
  }
  void SetUp() override { Create(); }

  GuestMemory memory = GuestMemory::CreateX86(8 << 20);
  FakeBackend* backend = nullptr;
  VirtioNet* net = nullptr;
  std::unique_ptr<VirtioMmioTransport> transport;
  std::unique_ptr<NetTestDriver> driver;
};

TEST_F(VirtioNetTest, OffersMacStatusAndMtuAndReportsThemInConfig) {
  VirtioNetConfig config;
  config.mac = {0x02, 1, 2, 3, 4, 5};
  config.mtu = 1400;
  Create(config);
  EXPECT_EQ(driver->In(0x008), kDeviceIdNet);
  driver->Out(0x014, 0);
  uint32_t features = driver->In(0x010);
  EXPECT_TRUE(features & kNetFeatureMac);
  EXPECT_TRUE(features & kNetFeatureStatus);
  EXPECT_TRUE(features & kNetFeatureMtu);
  uint8_t cfg[12];
  transport->Read(0x100, cfg);
  EXPECT_EQ(std::vector<uint8_t>(cfg, cfg + 6), std::vector<uint8_t>({0x02, 1, 2, 3, 4, 5}));
  EXPECT_EQ(cfg[6] | cfg[7] << 8, kNetStatusLinkUp);
  EXPECT_EQ(cfg[8] | cfg[9] << 8, 1);
  EXPECT_EQ(cfg[10] | cfg[11] << 8, 1400);
}

TEST_F(VirtioNetTest, TransmitStripsTheHeader) {
  ASSERT_TRUE(driver->Start());
  std::vector<uint8_t> frame = Frame(60, 0xab);
  driver->Transmit(WithHeader(frame));
  // The Linux driver may also put the header in its own descriptor.
  driver->Transmit(WithHeader(frame), {kNetHeaderSize});
  ASSERT_EQ(backend->sent.size(), 2u);
  EXPECT_EQ(backend->sent[0], frame);
  EXPECT_EQ(backend->sent[1], frame);
  EXPECT_TRUE(driver->NextUsed(VirtioNet::kTransmitQueue));
  EXPECT_TRUE(driver->NextUsed(VirtioNet::kTransmitQueue));
  EXPECT_EQ(net->stats().tx_frames, 2u);
  EXPECT_EQ(net->stats().tx_bytes, 120u);
}

TEST_F(VirtioNetTest, TransmitDropsMalformedFramesButReturnsTheirBuffers) {
  ASSERT_TRUE(driver->Start());
  driver->Transmit(std::vector<uint8_t>(kNetHeaderSize + 13, 0));  // shorter than an Ethernet header
  driver->Transmit(std::vector<uint8_t>(kNetHeaderSize + kMaxFrameSize + 1, 0));
  driver->Transmit(WithHeader(Frame(kMaxFrameSize, 1)));  // the largest allowed
  EXPECT_EQ(backend->sent.size(), 1u);
  EXPECT_EQ(net->stats().tx_dropped_malformed, 2u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(driver->NextUsed(VirtioNet::kTransmitQueue));
  EXPECT_EQ(transport->status() & kStatusNeedsReset, 0u);
}

TEST_F(VirtioNetTest, TransmitCountsFramesTheBackendRefuses) {
  ASSERT_TRUE(driver->Start());
  backend->refuse = true;
  driver->Transmit(WithHeader(Frame(60, 0)));
  EXPECT_EQ(net->stats().tx_dropped_backend, 1u);
  EXPECT_TRUE(driver->NextUsed(VirtioNet::kTransmitQueue));
}

TEST_F(VirtioNetTest, ReceiveWritesHeaderAndFrameIntoAPostedBuffer) {
  ASSERT_TRUE(driver->Start());
  uint16_t head = driver->PostReceive({1526});
  std::vector<uint8_t> frame = Frame(100, 0x5a);
  backend->Deliver(frame);
  auto used = driver->NextUsed(VirtioNet::kReceiveQueue);
  ASSERT_TRUE(used);
  EXPECT_EQ(used->head, head);
  EXPECT_EQ(used->length, kNetHeaderSize + frame.size());
  std::vector<uint8_t> bytes = driver->ReadChain(VirtioNet::kReceiveQueue, head, used->length);
  std::vector<uint8_t> header(bytes.begin(), bytes.begin() + kNetHeaderSize);
  std::vector<uint8_t> expected_header(kNetHeaderSize, 0);
  expected_header[10] = 1;  // num_buffers
  EXPECT_EQ(header, expected_header);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin() + kNetHeaderSize, bytes.end()), frame);
  EXPECT_EQ(net->stats().rx_frames, 1u);
  EXPECT_EQ(net->stats().rx_bytes, 100u);
}

TEST_F(VirtioNetTest, ReceiveFillsAChainOfSeveralBuffers) {
  ASSERT_TRUE(driver->Start());
  uint16_t head = driver->PostReceive({kNetHeaderSize, 20, 2000});
  std::vector<uint8_t> frame = Frame(1514, 0x33);
  backend->Deliver(frame);
  auto used = driver->NextUsed(VirtioNet::kReceiveQueue);
  ASSERT_TRUE(used);
  std::vector<uint8_t> bytes = driver->ReadChain(VirtioNet::kReceiveQueue, head, used->length);
  ASSERT_EQ(bytes.size(), kNetHeaderSize + frame.size());
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin() + kNetHeaderSize, bytes.end()), frame);
}

TEST_F(VirtioNetTest, OversizedFrameIsDroppedAndTheBufferServesTheNextFrame) {
  ASSERT_TRUE(driver->Start());
  uint16_t head = driver->PostReceive({kNetHeaderSize + 100});
  backend->Deliver(Frame(101, 1));
  EXPECT_FALSE(driver->NextUsed(VirtioNet::kReceiveQueue));
  EXPECT_EQ(net->stats().rx_dropped_oversize, 1u);
  backend->Deliver(Frame(100, 2));
  auto used = driver->NextUsed(VirtioNet::kReceiveQueue);
  ASSERT_TRUE(used);
  EXPECT_EQ(used->head, head);
  EXPECT_EQ(used->length, kNetHeaderSize + 100);
}

TEST_F(VirtioNetTest, UndersizedFrameFromTheBackendIsDropped) {
  ASSERT_TRUE(driver->Start());
  driver->PostReceive({1526});
  backend->Deliver(std::vector<uint8_t>(13, 0));
  EXPECT_FALSE(driver->NextUsed(VirtioNet::kReceiveQueue));
  EXPECT_EQ(net->stats().rx_dropped_malformed, 1u);
}

TEST_F(VirtioNetTest, FramesWaitForBuffersWithinTheBacklogBound) {
  VirtioNetConfig config;
  config.rx_backlog_frames = 4;
  Create(config);
  ASSERT_TRUE(driver->Start());
  for (uint8_t i = 0; i < 6; ++i) backend->Deliver(Frame(60, i));
  EXPECT_EQ(net->stats().rx_dropped_backlog, 2u);
  EXPECT_FALSE(driver->NextUsed(VirtioNet::kReceiveQueue));
  for (int i = 0; i < 5; ++i) driver->PostReceive({1526});
  for (uint8_t i = 0; i < 4; ++i) {
    auto used = driver->NextUsed(VirtioNet::kReceiveQueue);
    ASSERT_TRUE(used);
    std::vector<uint8_t> bytes = driver->ReadChain(VirtioNet::kReceiveQueue, used->head, used->length);
    EXPECT_EQ(bytes.back(), i) << "frames arrive in order";
  }
  EXPECT_FALSE(driver->NextUsed(VirtioNet::kReceiveQueue));
  backend->Deliver(Frame(60, 9));  // the fifth buffer is still posted
  EXPECT_TRUE(driver->NextUsed(VirtioNet::kReceiveQueue));
}

TEST_F(VirtioNetTest, BacklogIsBoundedInBytes) {
  VirtioNetConfig config;
  config.rx_backlog_bytes = 3000;
  Create(config);
  for (int i = 0; i < 3; ++i) backend->Deliver(Frame(1500, 0));
  EXPECT_EQ(net->stats().rx_dropped_backlog, 1u);
}

TEST_F(VirtioNetTest, FramesBeforeTheDriverIsReadyAreDeliveredOnActivation) {
  backend->Deliver(Frame(60, 7));
  ASSERT_TRUE(driver->Start());
  driver->PostReceive({1526});
  EXPECT_TRUE(driver->NextUsed(VirtioNet::kReceiveQueue));
}

TEST_F(VirtioNetTest, ResetDropsStateAndTheDeviceWorksAgain) {
  ASSERT_TRUE(driver->Start());
  backend->Deliver(Frame(60, 1));  // waits in the backlog
  driver->Reset();
  EXPECT_EQ(transport->status(), 0u);
  backend->Deliver(Frame(60, 2));  // kept for the next activation
  ASSERT_TRUE(driver->Start());
  uint16_t head = driver->PostReceive({1526});
  auto used = driver->NextUsed(VirtioNet::kReceiveQueue);
  ASSERT_TRUE(used);
  EXPECT_EQ(driver->ReadChain(VirtioNet::kReceiveQueue, head, used->length).back(), 2);
  EXPECT_FALSE(driver->NextUsed(VirtioNet::kReceiveQueue));
  driver->Transmit(WithHeader(Frame(60, 3)));
  ASSERT_EQ(backend->sent.size(), 1u);
}

TEST_F(VirtioNetTest, ReceiveFromAnotherThreadWhileTheGuestPostsBuffers) {
  ASSERT_TRUE(driver->Start());
  constexpr int kFrames = 2000;
  std::thread backend_thread([&] {
    for (int i = 0; i < kFrames; ++i) backend->Deliver(Frame(60, static_cast<uint8_t>(i)));
  });
  uint64_t received = 0, posted = 0;
  auto serve = [&] {
    while (driver->NextUsed(VirtioNet::kReceiveQueue)) ++received;
    while (posted - received < NetTestDriver::kQueueSize) {
      driver->PostReceive({1526});
      ++posted;
    }
  };
  for (int round = 0; round < 500; ++round) serve();
  backend_thread.join();
  // Whatever is still in the backlog drains into new buffers.
  for (int round = 0; round < 1000 && received + net->stats().rx_dropped_backlog < kFrames; ++round) serve();
  VirtioNetStats stats = net->stats();
  EXPECT_EQ(received, stats.rx_frames);
  EXPECT_EQ(stats.rx_frames + stats.rx_dropped_backlog, static_cast<uint64_t>(kFrames));
}

}  // namespace
}  // namespace tinyrange::virtio
