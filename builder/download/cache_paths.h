// Where tinyrange keeps what it downloads and builds:
// $XDG_CACHE_HOME/tinyrange, or ~/.cache/tinyrange.
#pragma once

#include <string>

namespace tinyrange::download {

std::string CacheRoot();

// The content-addressed download store: CacheRoot()/downloads/sha256/HEX.
std::string CachedBlobPath(const std::string& cache_root, const std::string& sha256);

// A name usable as one path component for arbitrary text (a mirror URI, a
// suite, a build target): characters other than letters, digits, '-' and
// '.' become '_'.
std::string CacheSafeName(const std::string& text);

}  // namespace tinyrange::download
