// Capturing what the install steps changed (capture_format.h): diff two
// snapshots of the new root and write every new or changed path as a
// tinyrange archive to the capture disk.
#pragma once

#include <cstddef>
#include <cstdint>

#include "guest-init/capture_format.h"
#include "guest-init/root_snapshot.h"

namespace tinyrange {

struct CaptureResult {
  CaptureStatus status = CaptureStatus::kComplete;
  uint64_t length = 0;           // archive bytes after the header
  uint64_t entries = 0;          // entries in the archive
  uint64_t skipped_sockets = 0;  // sockets cannot be archived (nor need to be)
  // For kNotCacheable: the first path that was removed or changed type.
  char reason[256] = {};
};

// Whether `path` (relative) is the install directory or inside it: the
// steps' own files, which guest-init removes, so their removal is expected.
bool IsInstallStepsPath(const char* path, size_t length);

// Compares `before` and `after` (both taken of `root_fd`) and writes the
// capture to `capture_fd` (a block device, or a regular file in tests,
// whose size bounds the archive): the archive of every path in `after`
// that is new or whose type, inode, size, mode, owner, mtime or ctime
// changed, in path order (parents first); status kNotCacheable (nothing
// archived) if a path of `before` outside the install directory is gone or
// has another type; kTooLarge if the archive does not fit. Then the header,
// then fsync. Returns false with `error` set only if the capture could not
// be written at all.
bool WriteCapture(int root_fd, const RootSnapshot& before, const RootSnapshot& after,
                  int capture_fd, CaptureResult* result, char* error, size_t error_size);

}  // namespace tinyrange
