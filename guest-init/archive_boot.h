// guest-init's "full duty" (config key `archives`): build the root
// filesystem from the archive disk, switch into it and run the install
// steps there, capturing what they changed when asked.
#pragma once

#include <cstdint>

#include "guest-init/init_config.h"

namespace tinyrange {

// How long to wait for a disk to appear after its driver was loaded.
inline constexpr int kDiskWaitMs = 2000;

// Unpacks the archive disk into a tmpfs at /newroot (or the root disk),
// chroots into it (new_root.h), brings up the network if configured
// (network_setup.h), runs /.tinyrange/install/steps if present (snapshotting the
// root around them for the capture disk, if configured), removes
// /.tinyrange/install and writes the boot marks. Returns 0 on success, or
// the exit status for the VM (kExitInstallFailure for a missing disk, a bad
// archive or a failed step; kExitInitFailure if the switch failed), after
// logging why.
uint32_t AssembleNewRoot(const InitConfigView& config);

}  // namespace tinyrange
