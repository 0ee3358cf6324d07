#include "guest-init/active_console.h"

#include <string.h>

namespace tinyrange {

namespace {
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

bool DeviceFromActiveConsoles(std::string_view active, char* out, size_t out_size) {
  size_t end = active.size();
  while (end > 0 && IsSpace(active[end - 1])) --end;
  size_t start = end;
  while (start > 0 && !IsSpace(active[start - 1])) --start;
  std::string_view name(active.data() + start, end - start);
  // A device name is one path component; anything else would let a strange
  // sysfs value point the console elsewhere.
  if (name.empty() || name == "." || name == ".." ||
      name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return false;
  }
  constexpr std::string_view kDev = "/dev/";
  if (kDev.size() + name.size() + 1 > out_size) return false;
  memcpy(out, kDev.data(), kDev.size());
  memcpy(out + kDev.size(), name.data(), name.size());
  out[kDev.size() + name.size()] = '\0';
  return true;
}

}  // namespace tinyrange
