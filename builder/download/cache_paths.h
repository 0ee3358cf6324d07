// Where tinyrange keeps what it downloads and builds:
// $XDG_CACHE_HOME/tinyrange, or ~/.cache/tinyrange.
#pragma once

#include <string>
#include <string_view>

namespace tinyrange::download {

std::string CacheRoot();

// The content-addressed download store: CacheRoot()/downloads/sha256/HEX.
std::string CachedBlobPath(const std::string& cache_root, const std::string& sha256);

// A name usable as one path component for arbitrary text (a mirror URI, a
// suite, a build target): characters other than letters, digits, '-' and
// '.' become '_'.
std::string CacheSafeName(const std::string& text);

// Whether `text` is 64 lower-case hex digits: a SHA-256 as the cache names
// entries and blobs by it (build hashes, download digests).
bool IsSha256Hex(std::string_view text);

}  // namespace tinyrange::download
