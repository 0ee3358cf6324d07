// Resolving paths inside a directory that stands for "/", for unpacking
// archives into the new root: openat2(2) with RESOLVE_IN_ROOT makes ".."
// and absolute symlinks (planted by an earlier archive, e.g. "etc ->
// /host/etc" or "x -> ../../..") resolve as if the directory were the root
// of the filesystem, so nothing can escape it, and no chroot is needed,
// which keeps the code testable unprivileged against a temporary
// directory. RESOLVE_NO_MAGICLINKS refuses /proc/<pid>/fd-style links.
#pragma once

#include <sys/types.h>

namespace tinyrange {

// openat2(root_fd, path, {flags, mode, RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS}). Returns the fd or -errno.
int OpenInRoot(int root_fd, const char* path, int flags, mode_t mode = 0);

// Opens (O_PATH | O_DIRECTORY) the parent directory of `name` (a relative
// entry name, "a/b/c") resolved inside the root, and points *base at the
// last component inside `name`. With `create`, missing directories on the
// way are made (mode 0755), as tar does. Returns the fd (root_fd's own dup
// for a name without '/') or -errno.
int OpenParentInRoot(int root_fd, const char* name, bool create, const char** base);

}  // namespace tinyrange
