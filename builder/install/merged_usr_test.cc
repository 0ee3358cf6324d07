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

TEST(MergedUsrTest, AliasesAreTheOtherNameOfOneFile) {
  EXPECT_EQ(MergedUsrAlias("/bin/sh"), "/usr/bin/sh");
  EXPECT_EQ(MergedUsrAlias("/usr/bin/sh"), "/bin/sh");
  EXPECT_EQ(MergedUsrAlias("/sbin/ldconfig"), "/usr/sbin/ldconfig");
  EXPECT_EQ(MergedUsrAlias("/usr/lib64/ld-linux-x86-64.so.2"), "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(MergedUsrAlias("/usr/share/doc"), "");
  EXPECT_EQ(MergedUsrAlias("/binary"), "");
  EXPECT_EQ(MergedUsrAlias("/etc/passwd"), "");
}

}  // namespace
}  // namespace tinyrange::install
