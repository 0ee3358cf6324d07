// The ext4 image output: the tree as an ext4 file system image, made with
// e2fsprogs without root privileges.
//
// How: mke2fs makes an empty file system; debugfs creates every entry in
// path order, lists the directories to learn the inode numbers and sets
// each inode's metadata by number; `e2fsck -fyD` checks the result and
// indexes the directories (debugfs leaves them linear). (e2fsprogs 1.47.0, the
// Debian bookworm version, cannot take a tarball with `mke2fs -d`, and
// `-d <directory>` would need root to stage device nodes and ownership and
// would number inodes in the staging file system's readdir order, which
// differs between hosts.) Regular files' data and xattr values are staged
// as plain files in a temporary directory beside the output for debugfs to
// copy in.
//
// Reproducible: the same tree and options give a byte-identical image.
//   - The UUID and the directory hash seed are derived from a SHA-256 of
//     the tree (names, metadata and data), not random.
//   - E2FSPROGS_FAKE_TIME (and E2FSCK_TIME for e2fsck) pin the superblock's
//     and lost+found's times: to SOURCE_DATE_EPOCH when set, else to the
//     newest mtime in the tree.
//   - Every inode's atime/mtime/ctime/crtime is set to its (clamped) mtime.
//   - mke2fs reads its own mke2fs.conf written here (MKE2FS_CONFIG), so the
//     host's /etc/mke2fs.conf cannot change the features; the image has the
//     bookworm ext4 defaults: has_journal, extent, huge_file, flex_bg,
//     metadata_csum, 64bit, dir_nlink, extra_isize; 4 KiB blocks, 256-byte
//     inodes, no blocks reserved for root (-m 0: the image is sized for its
//     content).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "builder/fs_output/fs_tree.h"

namespace tinyrange::fs_output {

struct Ext4ImageOptions {
  // Image size in bytes (a multiple of 4096). Unset: EstimateExt4ImageSize.
  std::optional<uint64_t> size_bytes;
  std::string label;  // volume label, at most 16 bytes
  std::optional<int64_t> source_date_epoch;  // unset: SOURCE_DATE_EPOCH from the environment
  // The programs; looked up on PATH, then /usr/sbin and /sbin.
  std::string mke2fs = "mke2fs";
  std::string debugfs = "debugfs";
  std::string e2fsck = "e2fsck";
};

// A size that fits the tree's data, directories, inodes and the journal,
// with about 20% free space, rounded up to a MiB; at least 16 MiB.
uint64_t EstimateExt4ImageSize(const FsTree& tree);

// Writes the image atomically to `output`. Throws FsOutputError naming the
// output and, for a failed helper, its exact command and what it printed.
void WriteExt4Image(const FsTree& tree, const std::filesystem::path& output,
                    const Ext4ImageOptions& options = {});

// Makes an empty ext4 file system, with the same pinned features but no
// journal, on the existing file at `path` (already sized, reading as
// zeros: a new sparse file). For a scratch disk that lives as long as one
// VM: a journal would only add writes. Throws FsOutputError like
// WriteExt4Image.
void FormatEmptyExt4(const std::filesystem::path& path, const std::string& mke2fs = "mke2fs");

}  // namespace tinyrange::fs_output
