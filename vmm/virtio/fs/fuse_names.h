// The one rule for names the guest sends: a single path component.
#pragma once

#include <string_view>

namespace tinyrange::virtio::fs {

inline constexpr size_t kMaxNameLength = 255;  // NAME_MAX

// A name is usable as one directory entry: not empty, not "." or "..",
// no '/' and no NUL, at most NAME_MAX bytes. Anything else could walk
// the host path out of the directory it is resolved in.
inline bool IsValidEntryName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  if (name == "." || name == "..") return false;
  return name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

}  // namespace tinyrange::virtio::fs
