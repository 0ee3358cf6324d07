// The initramfs output: the whole tree as a cpio "newc" archive (the only
// format the Linux kernel unpacks), compressed, ready to pass to a kernel as
// its initrd. Written with builder/cpio's CpioWriter.
//
//   - Names are relative ("bin/sh"); the root itself has no entry (the
//     kernel's rootfs already exists).
//   - Entries are sorted by path bytewise, so parents come first. A
//     hard-linked file is written as one newc link group (shared inode
//     number, data with the last name) at the position of its last name in
//     path order: by then every parent directory of every name exists.
//     CpioWriter takes such a group's data from memory, so a hard-linked
//     file is read whole; other files over 1 MiB are streamed through a
//     spool file beside the output.
//   - mtimes are clamped to SOURCE_DATE_EPOCH, and to the 32-bit unsigned
//     range of the newc header (so before 1970 becomes 0).
//   - Extended attributes are dropped: newc has no place for them and the
//     kernel's unpacker would not apply them. Files that need them (file
//     capabilities) need a rootfs tarball or ext4 image instead.
//   - Compression is deterministic (compression.h); gzip by default, which
//     every kernel config that has initramfs support can decompress.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "builder/fs_output/compression.h"
#include "builder/fs_output/fs_tree.h"

namespace tinyrange::fs_output {

struct InitramfsOptions {
  Compression compression = Compression::kGzip;
  int level = -1;  // -1: the codec's default
  std::optional<int64_t> source_date_epoch;  // unset: SOURCE_DATE_EPOCH from the environment
};

// Writes the compressed cpio atomically to `output`. Throws FsOutputError
// naming the output and the entry.
void WriteInitramfs(const FsTree& tree, const std::filesystem::path& output,
                    const InitramfsOptions& options = {});

}  // namespace tinyrange::fs_output
