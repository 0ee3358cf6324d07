// The host system calls the FUSE server confines itself with. Every guest
// path is one validated name (fuse_names.h) resolved relative to a
// directory the server already holds an O_PATH descriptor for; no host
// path string is ever built from guest input.
#pragma once

#include <string>

namespace tinyrange::virtio::fs {

// openat2(dir, name, flags, mode) with RESOLVE_BENEATH |
// RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS: no "..", no absolute
// paths, and no symlink is ever followed; with O_PATH | O_NOFOLLOW a
// trailing symlink yields a descriptor of the link itself. Returns the
// descriptor (close-on-exec) or -errno.
int OpenBeneath(int dir, const char* name, int flags, unsigned mode);

// "/proc/self/fd/N": re-opening it reaches exactly the inode behind N (the
// kernel jumps to it; nothing is looked up by name, and a symlink inode is
// not followed further).
std::string ProcFdPath(int fd);

// Re-opens an O_PATH descriptor for I/O; returns the descriptor or -errno.
int Reopen(int path_fd, int flags);

// Whether `fd` still lies inside the directory `root_fd` refers to, by the
// kernel's current path of each: a directory the guest holds may have been
// moved out of the share on the host since it was looked up.
bool IsInside(int fd, int root_fd);

}  // namespace tinyrange::virtio::fs
