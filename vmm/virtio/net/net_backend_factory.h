// Builds the backend and the virtio-net device a NetOptions describes: the
// one place the machine needs to know about networking.
#pragma once

#include <memory>

#include "vmm/guest_memory.h"
#include "vmm/virtio/net/net_backend.h"
#include "vmm/virtio/net/net_options.h"
#include "vmm/virtio/net/virtio_net.h"

namespace tinyrange::virtio {

// Validates `options` and opens the backend (binding published ports,
// attaching the tap, connecting the socket). Throws VmmError.
std::unique_ptr<NetBackend> CreateNetBackend(const NetOptions& options);

// The device over a backend created from `options`; `on_backend_failure`
// is called (from the backend's thread) if the link goes away for good,
// and may be empty for a line on stderr. Throws VmmError.
std::unique_ptr<VirtioNet> CreateVirtioNet(const NetOptions& options, const GuestMemory* memory,
                                           NetBackend::FailureFn on_backend_failure = {});

}  // namespace tinyrange::virtio
