// The size of a disk, whether it is a block device (in the guest) or a
// regular file (in tests).
#pragma once

#include <cstdint>

namespace tinyrange {

// BLKGETSIZE64 for a block device, st_size for a regular file. Returns 0 or
// an errno value.
int GetDiskSize(int fd, uint64_t* size);

}  // namespace tinyrange
