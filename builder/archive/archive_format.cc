#include "builder/archive/archive_format.h"

#include <string_view>

namespace tinyrange::archive {

std::string CheckEntryName(const std::string& name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > kMaxNameLength) {
    return "the name is " + std::to_string(name.size()) + " bytes long, more than the limit of " +
           std::to_string(kMaxNameLength);
  }
  if (name.find('\0') != std::string::npos) return "the name contains a NUL byte";
  if (name.front() == '/') return "the name is an absolute path";
  if (name.back() == '/') return "the name ends with '/'";
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string_view component(name.data() + start, end - start);
    if (component.empty()) return "the name has an empty component ('//')";
    if (component == ".") return "the name has a '.' component";
    if (component == "..") return "the name has a '..' component";
    start = end + 1;
  }
  return "";
}

const char* EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kEnd:
      return "end";
    case EntryType::kFile:
      return "file";
    case EntryType::kDirectory:
      return "directory";
    case EntryType::kSymlink:
      return "symlink";
    case EntryType::kHardLink:
      return "hard link";
    case EntryType::kCharDevice:
      return "character device";
    case EntryType::kBlockDevice:
      return "block device";
    case EntryType::kFifo:
      return "fifo";
  }
  return "unknown";
}

}  // namespace tinyrange::archive
