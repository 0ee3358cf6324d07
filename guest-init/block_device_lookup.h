// Finding a device by what the host named it, not by probe order:
// virtio-blk exposes a disk's serial as /sys/block/<dev>/serial, and a
// virtio-console port its name as /sys/class/virtio-ports/<dev>/name. The
// device node is /dev/<dev> either way.
#pragma once

#include <cstddef>

namespace tinyrange {

// Where to look and how to name what is looked for in messages.
struct DeviceClass {
  const char* sys_dir;    // "/sys/block"
  const char* attribute;  // "serial"
  const char* dev_dir;    // "/dev"
  const char* noun;       // "virtio-blk disk with serial"
};

inline constexpr DeviceClass kVirtioDisks = {"/sys/block", "serial", "/dev", "virtio-blk disk with serial"};
inline constexpr DeviceClass kVirtioPorts = {"/sys/class/virtio-ports", "name", "/dev", "virtio input port named"};

// Scans `devices.sys_dir` for an entry whose attribute file holds `value`
// (a trailing newline and NULs are ignored) and writes its name ("vdb") to
// `name`. Returns 0, ENOENT if none matches, or another errno value.
int FindDevice(const DeviceClass& devices, const char* value, char* name, size_t name_size);

// Writes to `path` the device node of the entry with `value`, polling for
// up to `timeout_ms` while the sysfs entry or the node does not exist yet
// (its driver may just have been loaded, and a port's name comes in a
// message after the port). Returns 0, or -1 with `error` saying why,
// naming the value.
int WaitForDevice(const DeviceClass& devices, const char* value, int timeout_ms, char* path, size_t path_size,
                  char* error, size_t error_size);

// WaitForDevice, then opens the node with `flags` (plus O_CLOEXEC).
// Returns the fd, or -1 with `error` saying why.
int OpenDevice(const DeviceClass& devices, const char* value, int flags, int timeout_ms, char* error,
               size_t error_size);

// The disk with `serial` (kVirtioDisks).
inline int OpenDiskBySerial(const char* serial, int flags, int timeout_ms, char* error, size_t error_size) {
  return OpenDevice(kVirtioDisks, serial, flags, timeout_ms, error, error_size);
}

}  // namespace tinyrange
