// Finding a virtio-blk disk by the id the host gave it: virtio-blk exposes
// its serial as /sys/block/<dev>/serial, so the host names disks by serial
// instead of relying on probe order (vda, vdb, ...).
#pragma once

#include <cstddef>

namespace tinyrange {

// Scans `sys_block` (normally "/sys/block") for a device whose `serial`
// file holds `serial` (a trailing newline and NULs are ignored) and writes
// its name ("vdb") to `name`. Returns 0, ENOENT if none matches, or another
// errno value.
int FindBlockDeviceBySerial(const char* sys_block, const char* serial, char* name,
                            size_t name_size);

// Opens /dev/<name> of the disk with `serial` with `flags` (plus
// O_CLOEXEC), polling for up to `timeout_ms` while neither the sysfs entry
// nor the device node exist (the virtio_blk module may just have been
// loaded). Returns the fd, or -1 with `error` saying why, naming the id.
int OpenDiskBySerial(const char* serial, int flags, int timeout_ms, char* error, size_t error_size);

// The same with other directories than /sys/block and /dev (for tests).
int OpenDiskBySerialIn(const char* sys_block, const char* dev, const char* serial, int flags,
                       int timeout_ms, char* error, size_t error_size);

}  // namespace tinyrange
