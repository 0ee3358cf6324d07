#include "builder/install/apk_pkginfo.h"

namespace tinyrange::install {

bool PkgInfo::Parse(const std::string& text, std::string* error) {
  size_t start = 0;
  size_t line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.starts_with('#')) continue;
    size_t equals = line.find(" = ");
    if (equals == std::string::npos || equals == 0) {
      *error = "line " + std::to_string(line_number) + " is not \"key = value\"";
      return false;
    }
    values_[line.substr(0, equals)].push_back(line.substr(equals + 3));
  }
  return true;
}

std::string PkgInfo::Get(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() || it->second.empty() ? "" : it->second.front();
}

const std::vector<std::string>& PkgInfo::All(const std::string& key) const {
  static const std::vector<std::string> kNone;
  auto it = values_.find(key);
  return it == values_.end() ? kNone : it->second;
}

std::string PkgInfo::Joined(const std::string& key) const {
  std::string joined;
  for (const std::string& value : All(key)) {
    if (value.empty()) continue;
    if (!joined.empty()) joined += ' ';
    joined += value;
  }
  return joined;
}

}  // namespace tinyrange::install
