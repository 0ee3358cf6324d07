// The cpio archive `tr vm` appends to the initrd when a command is to run:
// guest-init as /init, its configuration, and the plan's extra files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/plan/vm_plan.h"

namespace tinyrange {

// The guest-init binary to use: `configured` if set, else
// $TINYRANGE_GUEST_INIT, else the one built or installed next to tr.
// Throws VmmError, listing the places looked at, if there is none.
std::string FindGuestInit(const std::string& configured);

std::vector<uint8_t> BuildInitArchive(const PlanInit& init);

}  // namespace tinyrange
