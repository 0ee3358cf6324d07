// Finding the command to run, as execvp(3) does, but as a separate step so
// that guest-init can report exactly which name failed and why, and so the
// search can be tested on the host.
#pragma once

#include <cstddef>

namespace tinyrange {

// The PATH used when the config's environment has none.
inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Resolves `name` against `path` (a PATH value; nullptr means kDefaultPath)
// and writes the file to execute into `out` (NUL-terminated).
//  - A name containing '/' is used as it is, without looking at the disk;
//    execve reports any problem with it.
//  - Otherwise each PATH element is tried in order (an empty element means
//    the current directory, as POSIX says); the first regular file that is
//    executable by the caller wins.
// Returns 0 on success, or an errno value: ENOENT when no element has the
// name (or name is empty), EACCES when only non-executable files or
// directories of that name exist, ENAMETOOLONG when a candidate does not fit
// in `out`.
int FindCommand(const char* name, const char* path, char* out, size_t out_size);

}  // namespace tinyrange
