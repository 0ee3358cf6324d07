// Ethernet MAC addresses for the guest's NIC: our default and the
// aa:bb:cc:dd:ee:ff spelling.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tinyrange::virtio {

using MacAddress = std::array<uint8_t, 6>;

// 02:74:72:00:00:01 — the locally administered bit (0x02) set and the
// multicast bit clear, so it can never collide with a vendor-assigned
// address; 74:72 is "tr".
inline constexpr MacAddress kDefaultMac = {0x02, 0x74, 0x72, 0x00, 0x00, 0x01};

// Parses six colon-separated two-digit hex bytes. Throws VmmError saying
// what is accepted; also refuses multicast addresses, which a NIC cannot
// own.
MacAddress ParseMacAddress(std::string_view text);
std::string FormatMacAddress(const MacAddress& mac);

}  // namespace tinyrange::virtio
