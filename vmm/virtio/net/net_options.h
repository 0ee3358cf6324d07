// What the user asked for on the command line: which backend, the guest's
// MAC, and published ports; with the parsers for their spellings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/virtio/net/mac_address.h"
#include "vmm/virtio/net/port_forward.h"

namespace tinyrange::virtio {

struct NetOptions {
  enum class Kind { kUser, kTap, kStream };
  Kind kind = Kind::kUser;
  std::string tap_name;     // kTap
  std::string socket_path;  // kStream
  MacAddress mac = kDefaultMac;
  uint16_t mtu = 1500;
  std::vector<PortForward> publish;  // kUser only
};

// The spellings the parsers accept, for help texts.
inline constexpr const char* kNetBackendSpellings = "user, tap=NAME or stream=PATH";
inline constexpr const char* kPortForwardSpellings = "[HOST_ADDRESS:]HOST_PORT:GUEST_PORT[/tcp|/udp]";

// Sets options->kind and its tap name or socket path from "user",
// "tap=NAME" or "stream=PATH". Throws VmmError saying what is accepted.
void ParseNetBackend(std::string_view text, NetOptions* options);

// "8080:80", "8080:80/tcp", "5353:53/udp", "0.0.0.0:8080:80". Ports are
// 1-65535; the host address is IPv4 and defaults to 127.0.0.1. Throws
// VmmError saying what is accepted.
PortForward ParsePortForward(std::string_view text);

// Checks combinations the parsers cannot see (ports published without
// user networking, duplicates). Throws VmmError.
void ValidateNetOptions(const NetOptions& options);

}  // namespace tinyrange::virtio
