// Builds and picks apart the few Ethernet/ARP/IPv4/UDP/TCP/DHCP frames the
// network tests exchange with a backend. Test-only; addresses are host-order
// integers, written big-endian on the wire.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tinyrange::virtio::testing {

using Mac = std::array<uint8_t, 6>;
using Bytes = std::vector<uint8_t>;

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint8_t kProtocolTcp = 6;
inline constexpr uint8_t kProtocolUdp = 17;
inline constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08, kTcpAck = 0x10;
inline constexpr Mac kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

constexpr uint32_t Ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 | static_cast<uint32_t>(c) << 8 | d;
}

inline void Put16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
inline void Put32(Bytes& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v));
}
inline uint16_t Get16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
inline uint32_t Get32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(Get16(b, at)) << 16 | Get16(b, at + 2);
}

// The Internet checksum (RFC 1071) of `bytes`, continuing from `sum`.
inline uint16_t Checksum(std::span<const uint8_t> bytes, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) sum += Get16(bytes, i);
  if (bytes.size() % 2) sum += static_cast<uint32_t>(bytes.back()) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

inline Bytes Ethernet(const Mac& dst, const Mac& src, uint16_t type, std::span<const uint8_t> payload) {
  Bytes f(dst.begin(), dst.end());
  f.insert(f.end(), src.begin(), src.end());
  Put16(f, type);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

inline Bytes Arp(uint16_t op, const Mac& sender_mac, uint32_t sender_ip, const Mac& target_mac, uint32_t target_ip) {
  Bytes a;
  Put16(a, 1);  // Ethernet
  Put16(a, kEtherTypeIpv4);
  a.push_back(6);
  a.push_back(4);
  Put16(a, op);
  a.insert(a.end(), sender_mac.begin(), sender_mac.end());
  Put32(a, sender_ip);
  a.insert(a.end(), target_mac.begin(), target_mac.end());
  Put32(a, target_ip);
  return Ethernet(op == 1 ? kBroadcastMac : target_mac, sender_mac, kEtherTypeArp, a);
}

inline Bytes Ipv4(uint32_t src, uint32_t dst, uint8_t protocol, std::span<const uint8_t> payload) {
  Bytes p;
  p.push_back(0x45);
  p.push_back(0);
  Put16(p, static_cast<uint16_t>(20 + payload.size()));
  Put16(p, 0);       // id
  Put16(p, 0x4000);  // don't fragment
  p.push_back(64);
  p.push_back(protocol);
  Put16(p, 0);
  Put32(p, src);
  Put32(p, dst);
  uint16_t sum = Checksum(p);
  p[10] = static_cast<uint8_t>(sum >> 8);
  p[11] = static_cast<uint8_t>(sum);
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

inline uint32_t PseudoHeaderSum(uint32_t src, uint32_t dst, uint8_t protocol, size_t length) {
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + protocol + static_cast<uint32_t>(length);
}

inline Bytes Udp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, std::span<const uint8_t> payload) {
  Bytes u;
  Put16(u, sport);
  Put16(u, dport);
  Put16(u, static_cast<uint16_t>(8 + payload.size()));
  Put16(u, 0);
  u.insert(u.end(), payload.begin(), payload.end());
  uint16_t sum = Checksum(u, PseudoHeaderSum(src, dst, kProtocolUdp, u.size()));
  if (sum == 0) sum = 0xffff;
  u[6] = static_cast<uint8_t>(sum >> 8);
  u[7] = static_cast<uint8_t>(sum);
  return Ipv4(src, dst, kProtocolUdp, u);
}

inline Bytes Tcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                 std::span<const uint8_t> payload = {}) {
  Bytes t;
  Put16(t, sport);
  Put16(t, dport);
  Put32(t, seq);
  Put32(t, ack);
  t.push_back(5 << 4);
  t.push_back(flags);
  Put16(t, 65535);  // window
  Put16(t, 0);
  Put16(t, 0);
  t.insert(t.end(), payload.begin(), payload.end());
  uint16_t sum = Checksum(t, PseudoHeaderSum(src, dst, kProtocolTcp, t.size()));
  t[16] = static_cast<uint8_t>(sum >> 8);
  t[17] = static_cast<uint8_t>(sum);
  return Ipv4(src, dst, kProtocolTcp, t);
}

inline Bytes DhcpDiscover(const Mac& mac, uint32_t xid) {
  Bytes d(236, 0);
  d[0] = 1;  // BOOTREQUEST
  d[1] = 1;  // Ethernet
  d[2] = 6;
  for (int i = 0; i < 4; ++i) d[4 + i] = static_cast<uint8_t>(xid >> (24 - 8 * i));
  d[10] = 0x80;  // broadcast reply
  std::copy(mac.begin(), mac.end(), d.begin() + 28);
  for (uint8_t b : {99, 130, 83, 99}) d.push_back(b);  // magic cookie
  for (uint8_t b : {53, 1, 1}) d.push_back(b);         // DHCPDISCOVER
  d.push_back(255);
  return Udp(0, Ip(255, 255, 255, 255), 68, 67, d);
}

// A view of a frame's headers; fields past what the frame holds stay empty.
struct Parsed {
  uint16_t ether_type = 0;
  Mac dst_mac{}, src_mac{};
  // ARP
  uint16_t arp_op = 0;
  uint32_t arp_sender_ip = 0, arp_target_ip = 0;
  // IPv4
  uint8_t protocol = 0;
  uint32_t src_ip = 0, dst_ip = 0;
  uint16_t src_port = 0, dst_port = 0;
  // TCP
  uint32_t seq = 0, ack = 0;
  uint8_t tcp_flags = 0;
  // TCP or UDP payload
  Bytes payload;
};

inline std::optional<Parsed> Parse(std::span<const uint8_t> f) {
  if (f.size() < 14) return std::nullopt;
  Parsed p;
  std::copy(f.begin(), f.begin() + 6, p.dst_mac.begin());
  std::copy(f.begin() + 6, f.begin() + 12, p.src_mac.begin());
  p.ether_type = Get16(f, 12);
  std::span<const uint8_t> l3 = f.subspan(14);
  if (p.ether_type == kEtherTypeArp) {
    if (l3.size() < 28) return std::nullopt;
    p.arp_op = Get16(l3, 6);
    p.arp_sender_ip = Get32(l3, 14);
    p.arp_target_ip = Get32(l3, 24);
    return p;
  }
  if (p.ether_type != kEtherTypeIpv4 || l3.size() < 20) return p;
  size_t ihl = (l3[0] & 0xf) * 4u;
  size_t total = std::min<size_t>(Get16(l3, 2), l3.size());
  p.protocol = l3[9];
  p.src_ip = Get32(l3, 12);
  p.dst_ip = Get32(l3, 16);
  if (total < ihl) return std::nullopt;
  std::span<const uint8_t> l4 = l3.subspan(ihl, total - ihl);
  if (p.protocol == kProtocolUdp && l4.size() >= 8) {
    p.src_port = Get16(l4, 0);
    p.dst_port = Get16(l4, 2);
    p.payload.assign(l4.begin() + 8, l4.end());
  } else if (p.protocol == kProtocolTcp && l4.size() >= 20) {
    p.src_port = Get16(l4, 0);
    p.dst_port = Get16(l4, 2);
    p.seq = Get32(l4, 4);
    p.ack = Get32(l4, 8);
    p.tcp_flags = l4[13];
    size_t offset = (l4[12] >> 4) * 4u;
    if (offset <= l4.size()) p.payload.assign(l4.begin() + static_cast<long>(offset), l4.end());
  }
  return p;
}

}  // namespace tinyrange::virtio::testing
