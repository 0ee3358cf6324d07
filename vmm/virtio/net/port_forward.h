// A host port published into the guest (user-mode networking only).
#pragma once

#include <cstdint>
#include <string>

namespace tinyrange::virtio {

struct PortForward {
  bool udp = false;
  uint16_t host_port = 0;
  uint16_t guest_port = 0;
  // Loopback by default: publishing to other machines is an explicit choice.
  std::string host_address = "127.0.0.1";
};

}  // namespace tinyrange::virtio
