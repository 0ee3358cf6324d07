// Unpacking the archive disk into the new root: every part in table order,
// each checked against its SHA-256 while it streams, with the replacement
// rules of dpkg and tar (a later entry replaces an earlier one).
//
// All paths are resolved inside `root_fd` (root_path.h), so the code runs
// the same against the guest's /newroot and a test's temporary directory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "guest-init/archive_disk_reader.h"

namespace tinyrange {

struct UnpackOptions {
  // Running as root: then every failure to set an owner, create a device
  // node or set a security.*/trusted.* attribute is an error. Unprivileged
  // (tests), EPERM for those is tolerated and counted.
  bool privileged = true;
};

struct UnpackStats {
  uint64_t entries = 0;
  uint64_t skipped_nodes = 0;   // device nodes that could not be made (unprivileged)
  uint64_t skipped_owners = 0;  // chown refused (unprivileged)
  uint64_t skipped_xattrs = 0;  // security.*/trusted.* refused (unprivileged)
};

// The read buffer for file data: large reads make unpacking fast on a
// virtio disk; reused for every part.
inline constexpr size_t kUnpackBufferSize = 256 * 1024;

// Unpacks part `index` of the disk open at `disk_fd` into `root_fd`.
// `buffer` has at least FragmentReader::kMinBuffer bytes. On failure
// returns false with "part N, entry 'NAME': what: why" (or "part N: ...")
// in `error`.
bool UnpackPart(int disk_fd, const ArchiveDiskPart& part, uint32_t index, int root_fd,
                const UnpackOptions& options, uint8_t* buffer, size_t buffer_size,
                UnpackStats* stats, char* error, size_t error_size);

// Reads the disk's table and unpacks every part in order.
bool UnpackArchiveDisk(int disk_fd, uint64_t disk_size, int root_fd, const UnpackOptions& options,
                       UnpackStats* stats, char* error, size_t error_size);

}  // namespace tinyrange
