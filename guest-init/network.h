// Minimal network setup that every program expects: a working loopback.
#pragma once

namespace tinyrange {

// Sets the `lo` interface up. Returns 0 or an errno value (a kernel without
// networking has no lo, which is not an error worth stopping for).
int BringUpLoopback();

struct InitNetConfig;

// Configures `config.interface`: its IPv4 address and netmask, up, and a
// default route through the gateway; writes `resolv_conf` (normally
// /etc/resolv.conf) naming the DNS server. Returns 0, or an errno value
// with *step naming what failed.
int ConfigureInterface(const InitNetConfig& config, const char* resolv_conf, const char** step);

}  // namespace tinyrange
