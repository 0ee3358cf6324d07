// The rootfs tarball output: a POSIX tar (ustar, with pax extended headers
// only where ustar cannot say it: long names, big ids, xattrs) of the whole
// tree, for `docker import` / `podman import` and for unpacking by hand.
//
// Conventions, chosen to match what `docker export` writes (Go's
// archive/tar via docker's pkg/archive) and so what importers expect:
//   - names are relative without a "./" prefix ("bin/sh", "etc/"), and
//     directories end in "/";
//   - there is no entry for the root itself: importers create it, and
//     "./" would only add an entry they ignore;
//   - owners are numeric only (no user/group names), since the names of
//     the build host mean nothing in the image;
//   - xattrs go in pax "SCHILY.xattr.<name>" records, the form Go's
//     archive/tar, GNU tar and libarchive all read (libarchive's own
//     LIBARCHIVE.xattr records are turned off so there is one copy);
//   - a hard link's second and later names (in path order) are hard-link
//     entries pointing at the first.
// Entries are sorted by path bytewise; mtimes are clamped to
// SOURCE_DATE_EPOCH; the bytes depend only on the tree and the options.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "builder/fs_output/compression.h"
#include "builder/fs_output/fs_tree.h"

namespace tinyrange::fs_output {

struct RootfsTarOptions {
  Compression compression = Compression::kNone;
  int level = -1;  // compression level; -1: the codec's default
  // Clamp mtimes to this; unset: SOURCE_DATE_EPOCH from the environment.
  std::optional<int64_t> source_date_epoch;
};

// Writes the tarball atomically to `output`. Throws FsOutputError naming the
// output and the entry.
void WriteRootfsTar(const FsTree& tree, const std::filesystem::path& output,
                    const RootfsTarOptions& options = {});

}  // namespace tinyrange::fs_output
