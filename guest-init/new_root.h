// The new root filesystem that guest-init assembles from the archive disk,
// and the switch into it.
#pragma once

#include <cstddef>

namespace tinyrange {

// Where the new root is built (in the initramfs).
inline constexpr const char* kNewRootPath = "/newroot";

// Creates /newroot and mounts on it a tmpfs (mode 0755), or, with a
// `root_disk` serial, the ext4 file system of that virtio-blk disk (the
// host made it, empty; the root then lives on the disk, not in guest
// memory). Returns false with `error` saying what failed.
bool MountNewRoot(const char* root_disk, char* error, size_t error_size);

// chdir into the new root and chroot there; then mounts /proc, /sys, /dev
// (devtmpfs), /dev/pts, /dev/shm, /run and /tmp inside it (mounts.h),
// creating the mount points. The initramfs cannot be pivoted away from
// (it is rootfs), so a chroot it is, as in switch_root. Returns false if
// the switch or a required mount failed (logged).
bool EnterNewRoot();

}  // namespace tinyrange
