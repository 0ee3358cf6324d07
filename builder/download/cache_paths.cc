#include "builder/download/cache_paths.h"

#include <cctype>
#include <cstdlib>

namespace tinyrange::download {

std::string CacheRoot() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/tinyrange";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/tinyrange";
  return "/tmp/tinyrange-cache";
}

std::string CachedBlobPath(const std::string& cache_root, const std::string& sha256) {
  return cache_root + "/downloads/sha256/" + sha256;
}

std::string CacheSafeName(const std::string& text) {
  std::string out;
  for (char c : text) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return out;
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace tinyrange::download
