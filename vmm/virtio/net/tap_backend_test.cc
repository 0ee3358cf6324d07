#include "vmm/virtio/net/tap_backend.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstring>

#include "vmm/virtio/net/test_frame_inbox.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

using testing::FrameInbox;
using Bytes = std::vector<uint8_t>;

// IEEE's ethertype for local experiments: nothing else on the link uses it,
// so the test's frames are easy to tell from the kernel's own chatter.
constexpr uint16_t kTestEtherType = 0x88b5;

Bytes TestFrame(uint8_t marker) {
  Bytes frame(60, marker);
  for (int i = 0; i < 6; ++i) frame[static_cast<size_t>(i)] = 0xff;
  frame[6] = 0x02;
  frame[12] = kTestEtherType >> 8;
  frame[13] = kTestEtherType & 0xff;
  return frame;
}

bool IsTestFrame(const Bytes& f, uint8_t marker) {
  return f.size() >= 60 && f[12] == (kTestEtherType >> 8) && f[13] == (kTestEtherType & 0xff) && f[20] == marker;
}

// Creates (or deletes) a persistent tap device; "" or why not.
std::string SetPersistentTap(const std::string& name, bool persist) {
  ScopedFd fd(open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return std::string("cannot open /dev/net/tun: ") + std::strerror(errno);
  ifreq request{};
  std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
  request.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (ioctl(fd.get(), TUNSETIFF, &request) != 0) return std::string("TUNSETIFF: ") + std::strerror(errno);
  if (ioctl(fd.get(), TUNSETPERSIST, persist ? 1 : 0) != 0) return std::string("TUNSETPERSIST: ") + std::strerror(errno);
  return "";
}

std::string BringUp(const std::string& name) {
  ScopedFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd.get(), SIOCGIFFLAGS, &request) != 0) return std::string("SIOCGIFFLAGS: ") + std::strerror(errno);
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (ioctl(fd.get(), SIOCSIFFLAGS, &request) != 0) return std::string("SIOCSIFFLAGS: ") + std::strerror(errno);
  return "";
}

class TapBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name = "trnet" + std::to_string(getpid() % 1000000);
    std::string why = SetPersistentTap(name, true);
    if (!why.empty()) {
      GTEST_SKIP() << "*** TAP BACKEND NOT TESTED: cannot create a tap device here (" << why
                   << "); needs /dev/net/tun and CAP_NET_ADMIN ***";
    }
    created = true;
    why = BringUp(name);
    if (!why.empty()) GTEST_SKIP() << "*** TAP BACKEND NOT TESTED: cannot bring " << name << " up (" << why << ") ***";
  }
  void TearDown() override {
    backend.reset();
    if (created) SetPersistentTap(name, false);
  }

  std::string name;
  bool created = false;
  std::unique_ptr<TapBackend> backend;
};

TEST_F(TapBackendTest, FramesGoBothWays) {
  backend = TapBackend::Open(name);
  FrameInbox inbox;
  backend->Start([&](std::span<const uint8_t> f) { inbox.Add(f); }, [&](const std::string& why) { inbox.Fail(why); });

  // The host's side of the tap is the interface; a packet socket on it
  // sees what the guest sends and can send to the guest.
  ScopedFd packet(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(kTestEtherType)));
  ASSERT_TRUE(packet.valid()) << std::strerror(errno);
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(kTestEtherType);
  address.sll_ifindex = static_cast<int>(if_nametoindex(name.c_str()));
  ASSERT_EQ(bind(packet.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);

  Bytes from_guest = TestFrame(0x11);
  ASSERT_TRUE(backend->Send(from_guest));
  pollfd p{packet.get(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1) << "the guest's frame did not reach the interface";
  Bytes got(2048);
  ssize_t n = recv(packet.get(), got.data(), got.size(), 0);
  got.resize(static_cast<size_t>(std::max<ssize_t>(n, 0)));
  EXPECT_EQ(got, from_guest);

  Bytes to_guest = TestFrame(0x22);
  // Until the kernel's link watcher has seen the tap's carrier come up
  // (a moment after the backend attached), the interface's queueing
  // discipline drops what is sent through it; so resend until one arrives.
  std::optional<Bytes> received;
  for (int attempt = 0; attempt < 50 && !received; ++attempt) {
    ASSERT_EQ(send(packet.get(), to_guest.data(), to_guest.size(), 0), static_cast<ssize_t>(to_guest.size()));
    received = inbox.WaitFor([](const Bytes& f) { return IsTestFrame(f, 0x22); }, std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(received) << "the host's frame did not reach the backend";
  EXPECT_EQ(*received, to_guest);
}

TEST(TapBackendOpenTest, AMissingDeviceIsAnErrorNamingIt) {
  try {
    TapBackend::Open("trnet-missing");
    FAIL() << "opened a tap that does not exist";
  } catch (const VmmError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("'trnet-missing'"), std::string::npos) << message;
    EXPECT_NE(message.find("must already exist"), std::string::npos) << message;
  }
  EXPECT_THROW(TapBackend::Open("a-name-longer-than-ifnamsiz"), VmmError);
}

}  // namespace
}  // namespace tinyrange::virtio
