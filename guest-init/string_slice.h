// string_view::substr without its bounds check. substr can throw, and a
// throw site would drag the C++ exception runtime into the static
// guest-init; callers guarantee pos <= s.size() instead.
#pragma once

#include <cstddef>
#include <string_view>

namespace tinyrange {

inline std::string_view Slice(std::string_view s, size_t pos, size_t n = std::string_view::npos) {
  size_t avail = s.size() - pos;
  return std::string_view(s.data() + pos, n < avail ? n : avail);
}

}  // namespace tinyrange
