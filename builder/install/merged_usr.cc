#include "builder/install/merged_usr.h"

#include <string_view>

#include "builder/install/tree_writer.h"

namespace tinyrange::install {

std::string MergedUsrAlias(const std::string& path) {
  for (const char* dir : {"/bin/", "/sbin/", "/lib/", "/lib64/"}) {
    std::string_view d(dir);
    if (path.compare(0, d.size(), d) == 0) return "/usr" + path;
    if (path.compare(0, 4 + d.size(), "/usr" + std::string(d)) == 0) return path.substr(4);
  }
  return "";
}

std::string WriteMergedUsrLayout(const std::filesystem::path& path, const std::string& architecture, int64_t mtime) {
  TreeWriter writer(path, mtime);
  std::vector<std::string> aliased = {"bin", "lib", "sbin"};
  if (architecture == "amd64") aliased.push_back("lib64");
  for (const std::string& dir : aliased) writer.AddDirectory("usr/" + dir);
  for (const std::string& dir : aliased) writer.AddSymlink(dir, "usr/" + dir);
  return writer.Commit();
}

}  // namespace tinyrange::install
