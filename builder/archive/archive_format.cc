#include "builder/archive/archive_format.h"

#include <cstring>
#include <fstream>
#include <string_view>

namespace tinyrange::archive {

bool IsTinyrangeArchive(const std::string& path) {
  char magic[sizeof kFileMagic] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(magic, sizeof magic);
  return in && std::memcmp(magic, kFileMagic, sizeof magic) == 0;
}

std::string CheckEntryName(const std::string& name) {
  // The host can afford to say how long.
  if (name.size() > kMaxNameLength) {
    return "the name is " + std::to_string(name.size()) + " bytes long, more than the limit of " +
           std::to_string(kMaxNameLength);
  }
  const char* problem = EntryNameProblem(name);
  return problem ? problem : "";
}

}  // namespace tinyrange::archive
