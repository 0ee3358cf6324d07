// An Alpine package's .PKGINFO ("key = value" lines written by abuild;
// '#' starts a comment; keys such as depend, provides and replaces repeat).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tinyrange::install {

class PkgInfo {
 public:
  // Returns false with *error naming the line for a line that is not
  // "key = value".
  bool Parse(const std::string& text, std::string* error);
  // The first value of `key`, or "".
  std::string Get(const std::string& key) const;
  // Every value of `key`, in file order.
  const std::vector<std::string>& All(const std::string& key) const;
  // Every value of `key` joined with spaces (how the index writes lists).
  std::string Joined(const std::string& key) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace tinyrange::install
