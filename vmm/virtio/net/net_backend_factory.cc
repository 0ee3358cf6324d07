#include "vmm/virtio/net/net_backend_factory.h"

#include "vmm/virtio/net/slirp_backend.h"
#include "vmm/virtio/net/stream_backend.h"
#include "vmm/virtio/net/tap_backend.h"

namespace tinyrange::virtio {

std::unique_ptr<NetBackend> CreateNetBackend(const NetOptions& options) {
  ValidateNetOptions(options);
  switch (options.kind) {
    case NetOptions::Kind::kUser:
      return std::make_unique<SlirpBackend>(SlirpOptions{options.publish, options.mtu});
    case NetOptions::Kind::kTap:
      return TapBackend::Open(options.tap_name);
    case NetOptions::Kind::kStream:
      return StreamBackend::Connect(options.socket_path);
  }
  return nullptr;
}

std::unique_ptr<VirtioNet> CreateVirtioNet(const NetOptions& options, const GuestMemory* memory,
                                           NetBackend::FailureFn on_backend_failure) {
  VirtioNetConfig config;
  config.mac = options.mac;
  config.mtu = options.mtu;
  config.on_backend_failure = std::move(on_backend_failure);
  return std::make_unique<VirtioNet>(memory, CreateNetBackend(options), std::move(config));
}

}  // namespace tinyrange::virtio
