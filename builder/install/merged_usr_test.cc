#include "builder/install/merged_usr.h"

#include <gtest/gtest.h>

#include "builder/archive/archive_test_util.h"

namespace tinyrange::install {
namespace {

using archive::testing::ReadArchive;
using archive::testing::ScratchDir;

TEST(MergedUsrTest, DirectoriesThenSymlinksIntoUsr) {
  ScratchDir dir;
  WriteMergedUsrLayout(dir / "layout.tr", "amd64", 0);
  auto entries = ReadArchive(dir / "layout.tr");
  std::vector<std::string> names;
  for (const auto& e : entries) names.push_back(e.entry.name + (e.entry.link.empty() ? "" : " -> " + e.entry.link));
  EXPECT_EQ(names, (std::vector<std::string>{"usr", "usr/bin", "usr/lib", "usr/sbin", "usr/lib64", "bin -> usr/bin",
                                             "lib -> usr/lib", "sbin -> usr/sbin", "lib64 -> usr/lib64"}));
  WriteMergedUsrLayout(dir / "arm.tr", "arm64", 0);
  EXPECT_EQ(ReadArchive(dir / "arm.tr").size(), 7u);
}

}  // namespace
}  // namespace tinyrange::install
