// The new root filesystem that guest-init assembles from the archive disk,
// and the switch into it.
#pragma once

namespace tinyrange {

// Where the new root is built (in the initramfs).
inline constexpr const char* kNewRootPath = "/newroot";

// Creates /newroot and mounts a tmpfs (mode 0755) on it. Returns 0 or an
// errno value, with *step naming what failed.
int MountNewRoot(const char** step);

// chdir into the new root and chroot there; then mounts /proc, /sys, /dev
// (devtmpfs), /dev/pts, /dev/shm, /run and /tmp inside it (mounts.h),
// creating the mount points. The initramfs cannot be pivoted away from
// (it is rootfs), so a chroot it is, as in switch_root. Returns false if
// the switch or a required mount failed (logged).
bool EnterNewRoot();

}  // namespace tinyrange
