// Small file helpers shared by everything that writes into the cache.
#pragma once

#include <string>

namespace tinyrange::download {

// Writes `data` to `path` (its directory is created) under a temporary name
// unique to this process and thread, then renames it into place: readers
// and other writers never see a partial file. False with *error on failure,
// leaving nothing behind.
bool WriteFileAtomically(const std::string& path, const std::string& data, std::string* error);

// Reads a whole file; false if it cannot be read.
bool ReadWholeFile(const std::string& path, std::string* out);

// A name usable as one path component for arbitrary text (a mirror URI, a
// suite): characters other than letters, digits, '-' and '.' become '_'.
std::string CacheSafeName(const std::string& text);

}  // namespace tinyrange::download
