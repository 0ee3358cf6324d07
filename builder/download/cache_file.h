// Small file helpers shared by everything that writes into the cache.
#pragma once

#include <string>

#include "builder/download/cache_paths.h"  // CacheSafeName

namespace tinyrange::download {

// Writes `data` to `path` (its directory is created) under a temporary name
// unique to this process and thread, then renames it into place: readers
// and other writers never see a partial file. False with *error on failure,
// leaving nothing behind.
bool WriteFileAtomically(const std::string& path, const std::string& data, std::string* error);

// Reads a whole file; false if it cannot be read.
bool ReadWholeFile(const std::string& path, std::string* out);

// Copies the regular file `from` to a new file `to` (which must not exist)
// with `from`'s permission bits plus owner write: a reflink where the file
// system shares extents (btrfs, XFS), else copy_file_range, else read and
// write. Never a hard link: the copy may be changed without touching a
// cache entry. False with *error naming the file on failure, leaving no
// `to` behind.
bool CopyFileOut(const std::string& from, const std::string& to, std::string* error);

// Writes all `size` bytes of `data` to `fd`, going on after short writes
// and signals. False with errno set if a write fails (ENOSPC for a write
// that makes no progress).
bool WriteAll(int fd, const void* data, size_t size);

}  // namespace tinyrange::download
