// The early filesystems every Linux program expects: /proc, /sys, /dev
// (devtmpfs), /dev/pts, /dev/shm, /tmp and /run.
#pragma once

namespace tinyrange {

// Creates the mount points and mounts what is not mounted yet, then the
// /dev/fd, /dev/stdin, /dev/stdout and /dev/stderr links that devtmpfs lacks
// (shells use /dev/fd for process substitution). Failures of
// /proc or /dev are fatal (nothing works without them): they are logged and
// the function returns false. Other failures are logged and skipped.
bool MountEarlyFilesystems();

}  // namespace tinyrange
