#include "vmm/virtio/fs/id_mapping.h"

#include <unistd.h>

namespace tinyrange::virtio::fs {

IdMapping IdMapping::ForThisProcess() { return IdMapping(geteuid(), getegid()); }

}  // namespace tinyrange::virtio::fs
