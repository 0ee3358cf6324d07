// Loading the kernel modules listed in the config (virtio drivers and the
// like, for kernels that do not have them built in).
#pragma once

#include "guest-init/init_config.h"

namespace tinyrange {

// Loads every module of `config` in order with finit_module(2). A module
// that is already loaded is fine. Other failures are logged and loading
// goes on: a missing driver shows up later with a clearer symptom than a
// guest that stopped here. Returns the number of modules that failed.
int LoadModules(const InitConfigView& config);

}  // namespace tinyrange
