#include "guest-init/remove_tree.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "guest-init/test_archives.h"

namespace tinyrange {
namespace {

namespace fs = std::filesystem;

TEST(RemoveTreeTest, RemovesEverythingWithoutFollowingLinks) {
  testing::TempDir dir;
  std::string keep = dir.path() + "/keep";
  fs::create_directories(keep);
  testing::WriteFile(keep + "/file", "x");
  std::string tree = dir.path() + "/tree";
  fs::create_directories(tree + "/a/b/c");
  testing::WriteFile(tree + "/a/b/c/f", "x");
  testing::WriteFile(tree + "/top", "x");
  fs::create_symlink(keep, tree + "/a/link");
  int fd = open(dir.path().c_str(), O_PATH | O_DIRECTORY);
  EXPECT_EQ(RemoveTree(fd, "tree"), 0);
  EXPECT_FALSE(fs::exists(fs::symlink_status(tree)));
  EXPECT_TRUE(fs::exists(keep + "/file"));
  EXPECT_EQ(RemoveTree(fd, "tree"), 0) << "a missing tree is success";
  testing::WriteFile(dir.path() + "/plain", "x");
  EXPECT_EQ(RemoveTree(fd, "plain"), 0);
  EXPECT_FALSE(fs::exists(dir.path() + "/plain"));
  close(fd);
}

}  // namespace
}  // namespace tinyrange
