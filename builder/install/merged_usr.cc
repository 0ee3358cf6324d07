#include "builder/install/merged_usr.h"

#include "builder/install/tree_writer.h"

namespace tinyrange::install {

std::string WriteMergedUsrLayout(const std::filesystem::path& path, const std::string& architecture, int64_t mtime) {
  TreeWriter writer(path, mtime);
  std::vector<std::string> aliased = {"bin", "lib", "sbin"};
  if (architecture == "amd64") aliased.push_back("lib64");
  for (const std::string& dir : aliased) writer.AddDirectory("usr/" + dir);
  for (const std::string& dir : aliased) writer.AddSymlink(dir, "usr/" + dir);
  return writer.Commit();
}

}  // namespace tinyrange::install
