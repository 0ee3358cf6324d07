#include "vmm/virtio/net/slirp_backend.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "vmm/scoped_fd.h"
#include "vmm/virtio/net/test_frame_inbox.h"
#include "vmm/virtio/net/test_packets.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr Mac kGuestMac = {0x02, 0x74, 0x72, 0x00, 0x00, 0x01};
constexpr uint32_t kGuestIp = Ip(10, 0, 2, 15);
constexpr uint32_t kGatewayIp = Ip(10, 0, 2, 2);
constexpr int kWaitMs = 5000;

// A TCP socket listening on 127.0.0.1 at a port the kernel picked.
ScopedFd ListenOnLoopback(uint16_t* port) {
  ScopedFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(fd.get(), 4) != 0 ||
      getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ADD_FAILURE() << "cannot listen on loopback";
  }
  *port = ntohs(address.sin_port);
  return fd;
}

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, kWaitMs) == 1;
}

class SlirpBackendTest : public ::testing::Test {
 protected:
  void StartBackend(const SlirpOptions& options = {}) {
    backend = std::make_unique<SlirpBackend>(options);
    backend->Start(
        [this](std::span<const uint8_t> frame) {
          // Play the guest's ARP: slirp asks before it sends to us.
          auto p = Parse(frame);
          if (p && p->ether_type == kEtherTypeArp && p->arp_op == 1 && p->arp_target_ip == kGuestIp) {
            backend->Send(Arp(2, kGuestMac, kGuestIp, p->src_mac, p->arp_sender_ip));
            return;
          }
          inbox.Add(frame);
        },
        [this](const std::string& why) { inbox.Fail(why); });
  }
  void Send(const Bytes& frame) { ASSERT_TRUE(backend->Send(frame)); }
  // Resolves the gateway's MAC as a guest would (which also teaches slirp
  // ours).
  Mac GatewayMac() {
    Send(Arp(1, kGuestMac, kGuestIp, Mac{}, kGatewayIp));
    auto reply = inbox.WaitFor([](const Bytes& f) {
      auto p = Parse(f);
      return p && p->ether_type == kEtherTypeArp && p->arp_op == 2 && p->arp_sender_ip == kGatewayIp;
    });
    if (!reply) {
      ADD_FAILURE() << "no ARP reply from the gateway";
      return {};
    }
    return Parse(*reply)->src_mac;
  }
  Bytes TcpFrame(const Mac& gateway, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                 uint8_t flags, std::span<const uint8_t> payload = {}) {
    return Ethernet(gateway, kGuestMac, kEtherTypeIpv4, Tcp(kGuestIp, dst, sport, dport, seq, ack, flags, payload));
  }

  FrameInbox inbox;
  std::unique_ptr<SlirpBackend> backend;
};

TEST_F(SlirpBackendTest, DhcpDiscoverGetsAnOfferOfTheGuestAddress) {
  StartBackend();
  Send(Ethernet(kBroadcastMac, kGuestMac, kEtherTypeIpv4, DhcpDiscover(kGuestMac, 0x12345678)));
  auto offer = inbox.WaitFor([](const Bytes& f) {
    auto p = Parse(f);
    return p && p->protocol == kProtocolUdp && p->src_port == 67 && p->dst_port == 68;
  });
  ASSERT_TRUE(offer) << "no DHCP reply";
  Bytes bootp = Parse(*offer)->payload;
  ASSERT_GE(bootp.size(), 244u);
  EXPECT_EQ(bootp[0], 2);  // BOOTREPLY
  EXPECT_EQ(Get32(bootp, 4), 0x12345678u);
  EXPECT_EQ(Get32(bootp, 16), kGuestIp) << "yiaddr";
  // Options after the magic cookie: find the message type.
  int type = -1;
  for (size_t i = 240; i + 1 < bootp.size() && bootp[i] != 255;) {
    if (bootp[i] == 0) {
      ++i;
      continue;
    }
    if (bootp[i] == 53) type = bootp[i + 2];
    i += 2u + bootp[i + 1];
  }
  EXPECT_EQ(type, 2) << "DHCPOFFER";
}

TEST_F(SlirpBackendTest, ArpForTheGatewayIsAnswered) {
  StartBackend();
  Mac gateway = GatewayMac();
  EXPECT_NE(gateway, Mac{});
  EXPECT_EQ(gateway[0] & 0x01, 0) << "a unicast MAC";
}

TEST_F(SlirpBackendTest, TcpToTheGatewayReachesTheHostLoopback) {
  uint16_t port = 0;
  ScopedFd listener = ListenOnLoopback(&port);
  StartBackend();
  Mac gateway = GatewayMac();
  constexpr uint16_t kGuestPort = 40000;
  uint32_t seq = 1000;
  Send(TcpFrame(gateway, kGatewayIp, kGuestPort, port, seq, 0, kTcpSyn));

  ASSERT_TRUE(Readable(listener.get())) << "slirp did not connect to the host listener";
  ScopedFd connection(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(connection.valid());

  auto syn_ack = inbox.WaitFor([&](const Bytes& f) {
    auto p = Parse(f);
    return p && p->protocol == kProtocolTcp && p->dst_port == kGuestPort && (p->tcp_flags & kTcpSyn);
  });
  ASSERT_TRUE(syn_ack) << "no SYN-ACK";
  Parsed sa = *Parse(*syn_ack);
  EXPECT_EQ(sa.tcp_flags & (kTcpSyn | kTcpAck), kTcpSyn | kTcpAck);
  EXPECT_EQ(sa.ack, seq + 1);
  EXPECT_EQ(sa.src_ip, kGatewayIp);
  ++seq;
  uint32_t their_seq = sa.seq + 1;
  Send(TcpFrame(gateway, kGatewayIp, kGuestPort, port, seq, their_seq, kTcpAck));

  std::string hello = "hello";
  Bytes payload(hello.begin(), hello.end());
  Send(TcpFrame(gateway, kGatewayIp, kGuestPort, port, seq, their_seq, kTcpAck | kTcpPsh, payload));
  ASSERT_TRUE(Readable(connection.get()));
  char buffer[16] = {};
  ASSERT_EQ(read(connection.get(), buffer, sizeof buffer), 5);
  EXPECT_EQ(std::string(buffer, 5), hello);

  ASSERT_EQ(write(connection.get(), "world", 5), 5);
  auto data = inbox.WaitFor([&](const Bytes& f) {
    auto p = Parse(f);
    return p && p->protocol == kProtocolTcp && p->dst_port == kGuestPort && !p->payload.empty();
  });
  ASSERT_TRUE(data) << "the host's bytes did not reach the guest";
  Parsed d = *Parse(*data);
  EXPECT_EQ(std::string(d.payload.begin(), d.payload.end()), "world");
  EXPECT_EQ(d.seq, their_seq);
}

TEST_F(SlirpBackendTest, PublishedPortConnectsIntoTheGuest) {
  uint16_t host_port = 0;
  ListenOnLoopback(&host_port);  // closed again at once: the port is free
  SlirpOptions options;
  options.publish.push_back({.udp = false, .host_port = host_port, .guest_port = 8080});
  StartBackend(options);

  ScopedFd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(host_port);
  ASSERT_EQ(connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);

  auto syn = inbox.WaitFor([](const Bytes& f) {
    auto p = Parse(f);
    return p && p->protocol == kProtocolTcp && (p->tcp_flags & kTcpSyn);
  });
  ASSERT_TRUE(syn) << "no SYN came out on the guest side";
  Parsed p = *Parse(*syn);
  EXPECT_EQ(p.dst_ip, kGuestIp);
  EXPECT_EQ(p.dst_port, 8080);
  EXPECT_EQ(p.dst_mac, kGuestMac);
  EXPECT_EQ(p.tcp_flags & kTcpAck, 0);
}

TEST_F(SlirpBackendTest, PublishedUdpPortDeliversDatagramsToTheGuest) {
  // A port the kernel just handed out for UDP is free again once closed.
  ScopedFd probe(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(bind(probe.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(getsockname(probe.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
  probe.Reset();
  uint16_t host_port = ntohs(address.sin_port);
  SlirpOptions options;
  options.publish.push_back({.udp = true, .host_port = host_port, .guest_port = 5353});
  StartBackend(options);

  ScopedFd client(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(sendto(client.get(), "ping", 4, 0, reinterpret_cast<sockaddr*>(&address), sizeof address), 4);
  auto datagram = inbox.WaitFor([](const Bytes& f) {
    auto p = Parse(f);
    return p && p->protocol == kProtocolUdp && p->dst_port == 5353;
  });
  ASSERT_TRUE(datagram) << "the datagram did not reach the guest";
  Parsed p = *Parse(*datagram);
  EXPECT_EQ(p.dst_ip, kGuestIp);
  EXPECT_EQ(std::string(p.payload.begin(), p.payload.end()), "ping");
}

TEST_F(SlirpBackendTest, PublishingABusyPortFailsNamingIt) {
  uint16_t host_port = 0;
  ScopedFd busy = ListenOnLoopback(&host_port);
  SlirpOptions options;
  options.publish.push_back({.udp = false, .host_port = host_port, .guest_port = 80});
  try {
    SlirpBackend backend_with_busy_port(options);
    FAIL() << "publishing a busy port succeeded";
  } catch (const VmmError& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(host_port)), std::string::npos) << e.what();
  }
}

TEST_F(SlirpBackendTest, PublishingToABadAddressFails) {
  SlirpOptions options;
  options.publish.push_back({.udp = true, .host_port = 5353, .guest_port = 53, .host_address = "localhost"});
  EXPECT_THROW(SlirpBackend{options}, VmmError);
}

TEST_F(SlirpBackendTest, StopsCleanlyWhileTrafficIsQueued) {
  StartBackend();
  for (int i = 0; i < 100; ++i) backend->Send(Arp(1, kGuestMac, kGuestIp, Mac{}, kGatewayIp));
  backend.reset();  // joins the loop
  SUCCEED();
}

}  // namespace
}  // namespace tinyrange::virtio
