#include "vmm/virtio/net/net_backend_factory.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "vmm/devices/irq_line.h"
#include "vmm/virtio/net/net_test_driver.h"
#include "vmm/virtio/net/test_packets.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

using namespace testing;  // NOLINT: test helpers

// Lets the test wait for the device's interrupt instead of polling.
class WaitableIrq : public IrqLine {
 public:
  void SetLevel(bool high) override {
    std::lock_guard lock(mu_);
    high_ = high;
    changed_.notify_all();
  }
  bool WaitHigh() {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return high_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool high_ = false;
};

TEST(NetBackendFactoryTest, UserNetworkingAnswersTheGuestThroughTheDevice) {
  GuestMemory memory = GuestMemory::CreateX86(8 << 20);
  WaitableIrq irq;
  NetOptions options;
  options.mac = ParseMacAddress("02:00:00:aa:bb:cc");
  auto net = CreateVirtioNet(options, &memory);
  VirtioNet* device = net.get();
  VirtioMmioTransport transport(std::move(net), &memory, &irq);
  NetTestDriver driver(&transport, &memory);
  ASSERT_TRUE(driver.Start());
  uint16_t head = driver.PostReceive({1526});

  // Who has 10.0.2.2? — the gateway answers into the receive buffer.
  Bytes arp = Arp(1, options.mac, Ip(10, 0, 2, 15), Mac{}, Ip(10, 0, 2, 2));
  Bytes with_header(kNetHeaderSize + arp.size(), 0);
  std::copy(arp.begin(), arp.end(), with_header.begin() + kNetHeaderSize);
  driver.Transmit(with_header);
  EXPECT_EQ(device->stats().tx_frames, 1u);
  ASSERT_TRUE(driver.NextUsed(VirtioNet::kTransmitQueue));
  driver.Out(0x064, driver.In(0x060));  // acknowledge the transmit interrupt

  // As a driver does: acknowledge, then look at the ring, and sleep until
  // the next interrupt only if nothing is there.
  std::optional<NetTestDriver::Used> used;
  while (!(used = driver.NextUsed(VirtioNet::kReceiveQueue))) {
    ASSERT_TRUE(irq.WaitHigh()) << "no interrupt for a received frame";
    driver.Out(0x064, driver.In(0x060));
  }
  Bytes bytes = driver.ReadChain(VirtioNet::kReceiveQueue, head, used->length);
  auto reply = Parse(std::span<const uint8_t>(bytes).subspan(kNetHeaderSize));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->ether_type, kEtherTypeArp);
  EXPECT_EQ(reply->arp_op, 2);
  EXPECT_EQ(reply->arp_sender_ip, Ip(10, 0, 2, 2));
  EXPECT_EQ(reply->dst_mac, options.mac);
  device->Shutdown();
  EXPECT_FALSE(device->stats().tx_dropped_backend);
  driver.Transmit(with_header);
  EXPECT_EQ(device->stats().tx_dropped_backend, 1u) << "a stopped backend takes no frames";
}

TEST(NetBackendFactoryTest, BackendErrorsSurfaceAsVmmErrors) {
  NetOptions options;
  ParseNetBackend("stream=/nonexistent/tr-test.sock", &options);
  EXPECT_THROW(CreateNetBackend(options), VmmError);
  ParseNetBackend("tap=trnet-none", &options);
  EXPECT_THROW(CreateNetBackend(options), VmmError);
  ParseNetBackend("user", &options);
  options.publish.push_back(ParsePortForward("8080:80"));
  options.publish.push_back(ParsePortForward("8080:80"));
  EXPECT_THROW(CreateNetBackend(options), VmmError);
}

}  // namespace
}  // namespace tinyrange::virtio
