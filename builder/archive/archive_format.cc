#include "builder/archive/archive_format.h"

#include <string_view>

namespace tinyrange::archive {

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
