// Removing a directory tree (the install steps' directory once they ran).
#pragma once

namespace tinyrange {

// Removes `path` (relative to `dir_fd`) and everything below it, without
// following symlinks. A missing path is success. Returns 0 or an errno value.
int RemoveTree(int dir_fd, const char* path);

}  // namespace tinyrange
