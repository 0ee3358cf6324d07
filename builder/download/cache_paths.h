// Where tinyrange keeps what it downloads and builds:
// $XDG_CACHE_HOME/tinyrange, or ~/.cache/tinyrange.
#pragma once

#include <string>

namespace tinyrange::download {

std::string CacheRoot();

// The content-addressed download store: CacheRoot()/downloads/sha256/HEX.
std::string CachedBlobPath(const std::string& cache_root, const std::string& sha256);

}  // namespace tinyrange::download
