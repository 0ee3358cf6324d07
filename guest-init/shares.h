// virtiofs shares from the config's "share" records.
#pragma once

#include "guest-init/init_config.h"

namespace tinyrange {

// For each share: creates its path (and parents) and mounts the virtiofs
// tag there, read-only when asked. Failures are logged; the command runs
// anyway (it may not need the share).
void MountShares(const InitConfigView& config);

// mkdir -p `path` (absolute) with mode 0755. Returns 0 or an errno value.
int MakeDirectories(const char* path);

}  // namespace tinyrange
