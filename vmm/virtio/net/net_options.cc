#include "vmm/virtio/net/net_options.h"

#include <arpa/inet.h>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

bool ParsePort(std::string_view text, uint16_t* port) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

void ParseNetBackend(std::string_view text, NetOptions* options) {
  auto bad = [&](const std::string& why) {
    return VmmError("invalid network backend '" + std::string(text) + "': " + why + " (expected " +
                    kNetBackendSpellings + ")");
  };
  if (text == "user") {
    options->kind = NetOptions::Kind::kUser;
    return;
  }
  size_t equals = text.find('=');
  std::string_view kind = text.substr(0, equals);
  std::string_view value = equals == std::string_view::npos ? std::string_view() : text.substr(equals + 1);
  if (kind == "tap") {
    if (value.empty()) throw bad("tap needs the name of an existing tap device");
    options->kind = NetOptions::Kind::kTap;
    options->tap_name = value;
    return;
  }
  if (kind == "stream") {
    if (value.empty()) throw bad("stream needs the path of a unix socket");
    options->kind = NetOptions::Kind::kStream;
    options->socket_path = value;
    return;
  }
  throw bad("unknown kind");
}

PortForward ParsePortForward(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return VmmError("invalid published port '" + std::string(text) + "': " + why + " (expected " +
                    kPortForwardSpellings + ", e.g. 8080:80 or 5353:53/udp)");
  };
  PortForward forward;
  std::string_view ports = text;
  size_t slash = text.rfind('/');
  if (slash != std::string_view::npos) {
    std::string_view protocol = text.substr(slash + 1);
    if (protocol == "udp") {
      forward.udp = true;
    } else if (protocol != "tcp") {
      throw bad("the protocol must be tcp or udp");
    }
    ports = text.substr(0, slash);
  }
  size_t last_colon = ports.rfind(':');
  if (last_colon == std::string_view::npos) throw bad("a host port and a guest port are needed");
  std::string_view guest = ports.substr(last_colon + 1);
  std::string_view host = ports.substr(0, last_colon);
  size_t address_colon = host.rfind(':');
  if (address_colon != std::string_view::npos) {
    forward.host_address = host.substr(0, address_colon);
    host = host.substr(address_colon + 1);
    in_addr parsed{};
    if (inet_pton(AF_INET, forward.host_address.c_str(), &parsed) != 1) {
      throw bad("'" + forward.host_address + "' is not an IPv4 address");
    }
  }
  if (!ParsePort(host, &forward.host_port)) throw bad("the host port must be a number from 1 to 65535");
  if (!ParsePort(guest, &forward.guest_port)) throw bad("the guest port must be a number from 1 to 65535");
  return forward;
}

void ValidateNetOptions(const NetOptions& options) {
  if (!options.publish.empty() && options.kind != NetOptions::Kind::kUser) {
    throw VmmError("published ports need user networking (net=user); with a tap or stream backend the host side "
                   "decides what reaches the guest");
  }
  for (size_t i = 0; i < options.publish.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const PortForward& a = options.publish[i];
      const PortForward& b = options.publish[j];
      if (a.udp == b.udp && a.host_port == b.host_port && a.host_address == b.host_address) {
        throw VmmError(std::string(a.udp ? "udp" : "tcp") + " host port " + std::to_string(a.host_port) +
                       " is published twice");
      }
    }
  }
  if (options.mtu < 68) throw VmmError("network MTU " + std::to_string(options.mtu) + " is below IPv4's minimum of 68");
}

}  // namespace tinyrange::virtio
