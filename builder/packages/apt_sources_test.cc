#include "builder/packages/apt_sources.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tinyrange::packages {
namespace {

namespace fs = std::filesystem;

class AptSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("apt_root_" + std::to_string(getpid()));
    fs::create_directories(root_ / "etc/apt/sources.list.d");
    unsetenv("TR_DEBIAN_MIRROR");
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& relative, const std::string& text) { std::ofstream(root_ / relative) << text; }
  fs::path root_;
};

TEST_F(AptSourcesTest, ReadsOneLineAndDeb822FilesInAptOrder) {
  Write("etc/apt/sources.list",
        "# comment\n"
        "deb-src http://src.example.invalid/debian bookworm main\n"
        "deb [arch=amd64,i386 signed-by=/k.gpg] http://one.example.invalid/debian/ bookworm main contrib # tail\n");
  Write("etc/apt/sources.list.d/b.sources",
        "Types: deb\nURIs: http://two.example.invalid/debian-security\nSuites: bookworm-security\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/k.gpg\n\n"
        "Enabled: no\nTypes: deb\nURIs: http://off.example.invalid/\nSuites: bookworm-backports\n");
  Write("etc/apt/sources.list.d/a.list", "deb http://three.example.invalid/x trixie main\n");
  Write("etc/apt/sources.list.d/c.list.disabled", "deb http://ignored.example.invalid/ bookworm main\n");
  std::string error;
  auto sources = ReadAptSources(root_.string(), &error);
  ASSERT_TRUE(sources) << error;
  ASSERT_EQ(sources->size(), 4u);
  EXPECT_EQ((*sources)[0].types[0], "deb-src");
  const auto& one = (*sources)[1];
  EXPECT_EQ(one.uris[0], "http://one.example.invalid/debian");
  EXPECT_EQ(one.architectures, (std::vector<std::string>{"amd64", "i386"}));
  EXPECT_EQ(one.signed_by, "/k.gpg");
  EXPECT_EQ(one.components, (std::vector<std::string>{"main", "contrib"}));
  EXPECT_NE(one.origin.find("sources.list:3"), std::string::npos) << one.origin;
  EXPECT_EQ((*sources)[2].uris[0], "http://three.example.invalid/x");  // a.list before b.sources
  EXPECT_EQ((*sources)[3].signed_by, "/usr/share/keyrings/k.gpg");

  auto mirror = FindDebianMirror(*sources, "bookworm", "", &error);
  ASSERT_TRUE(mirror) << error;
  EXPECT_EQ(mirror->uri, "http://one.example.invalid/debian");  // not the deb-src line
  EXPECT_EQ(mirror->components, (std::vector<std::string>{"main", "contrib"}));
  auto security = FindDebianMirror(*sources, "bookworm-security", "", &error);
  ASSERT_TRUE(security) << error;
  EXPECT_EQ(security->uri, "http://two.example.invalid/debian-security");
  EXPECT_FALSE(FindDebianMirror(*sources, "bookworm-backports", "", &error));  // disabled
  EXPECT_NE(error.find("--debian-mirror"), std::string::npos) << error;
}

TEST_F(AptSourcesTest, OverridesWinFlagFirst) {
  std::vector<AptSource> none;
  std::string error;
  setenv("TR_DEBIAN_MIRROR", "http://env.example.invalid/debian/", 1);
  EXPECT_EQ(FindDebianMirror(none, "bookworm", "", &error)->uri, "http://env.example.invalid/debian");
  EXPECT_EQ(FindDebianMirror(none, "bookworm", "http://flag.example.invalid/d", &error)->uri, "http://flag.example.invalid/d");
  unsetenv("TR_DEBIAN_MIRROR");
}

TEST_F(AptSourcesTest, MalformedFilesAreNamed) {
  Write("etc/apt/sources.list", "deb http://x.example.invalid/\n");
  std::string error;
  EXPECT_FALSE(ReadAptSources(root_.string(), &error));
  EXPECT_NE(error.find("sources.list:1"), std::string::npos) << error;
  Write("etc/apt/sources.list", "");
  Write("etc/apt/sources.list.d/x.sources", "Types: deb\nSuites: bookworm\n");
  EXPECT_FALSE(ReadAptSources(root_.string(), &error));
  EXPECT_NE(error.find("x.sources:1: a source needs"), std::string::npos) << error;
}

TEST_F(AptSourcesTest, ReadsThisMachinesSources) {
  std::string error;
  auto sources = ReadAptSources("/", &error);
  EXPECT_TRUE(sources) << error;
}

}  // namespace
}  // namespace tinyrange::packages
