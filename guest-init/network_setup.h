// Bringing up the interface the config's `net` describes (user networking),
// with /etc/resolv.conf in the current root.
#pragma once

#include "guest-init/init_config.h"

namespace tinyrange {

// Does nothing without a `net` entry. A failure is logged, not fatal: the
// command (or an install script) may not need the network, and one that
// does says so more clearly than a guest that stopped here.
void SetUpNetwork(const InitConfigView& config);

}  // namespace tinyrange
