#include "vmm/virtio/net/mac_address.h"

#include <cstdio>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

MacAddress ParseMacAddress(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return VmmError("invalid MAC address '" + std::string(text) + "': " + why +
                    " (expected six two-digit hex bytes separated by colons, e.g. 02:74:72:00:00:01)");
  };
  if (text.size() != 17) throw bad("wrong length");
  MacAddress mac{};
  for (size_t i = 0; i < 6; ++i) {
    int high = HexDigit(text[3 * i]);
    int low = HexDigit(text[3 * i + 1]);
    if (high < 0 || low < 0) throw bad("not a hex digit");
    if (i < 5 && text[3 * i + 2] != ':') throw bad("bytes must be separated by ':'");
    mac[i] = static_cast<uint8_t>(high * 16 + low);
  }
  if (mac[0] & 0x01) throw bad("a multicast address cannot be a NIC's address");
  return mac;
}

std::string FormatMacAddress(const MacAddress& mac) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                mac[5]);
  return text;
}

}  // namespace tinyrange::virtio
