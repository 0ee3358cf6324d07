#include "guest-init/path_search.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace tinyrange {
namespace {

class PathSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tr_path_search.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    for (const char* d : {"a", "b", "c", "empty"}) {
      ASSERT_TRUE(std::filesystem::create_directory(root_ + "/" + d));
    }
    MakeFile("a/tool", 0644);     // found first, but not executable
    MakeFile("b/tool", 0755);     // the one to run
    MakeFile("c/tool", 0755);     // shadowed by b
    MakeFile("a/plain", 0644);    // never executable anywhere
    ASSERT_TRUE(std::filesystem::create_directory(root_ + "/a/dironly"));
    MakeFile("c/only-in-c", 0700);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void MakeFile(const std::string& rel, mode_t mode) {
    std::string path = root_ + "/" + rel;
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(write(fd, "#!/bin/sh\n", 10), 10);
    close(fd);
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }

  std::string Dirs(std::initializer_list<const char*> names) {
    std::string path;
    for (const char* n : names) {
      if (!path.empty()) path += ":";
      path += root_ + "/" + n;
    }
    return path;
  }

  std::string root_;
  char out_[PATH_MAX];
};

TEST_F(PathSearchTest, FirstExecutableRegularFileWins) {
  std::string path = Dirs({"empty", "a", "b", "c"});
  ASSERT_EQ(FindCommand("tool", path.c_str(), out_, sizeof(out_)), 0);
  EXPECT_EQ(std::string(out_), root_ + "/b/tool");

  ASSERT_EQ(FindCommand("only-in-c", path.c_str(), out_, sizeof(out_)), 0);
  EXPECT_EQ(std::string(out_), root_ + "/c/only-in-c");
}

TEST_F(PathSearchTest, NotFoundIsEnoent) {
  std::string path = Dirs({"empty", "a", "b"});
  EXPECT_EQ(FindCommand("missing", path.c_str(), out_, sizeof(out_)), ENOENT);
  EXPECT_EQ(FindCommand("", path.c_str(), out_, sizeof(out_)), ENOENT);
  // Elements that are not directories, or do not exist, are skipped.
  std::string odd = root_ + "/a/plain:" + root_ + "/nonexistent";
  EXPECT_EQ(FindCommand("tool", odd.c_str(), out_, sizeof(out_)), ENOENT);
}

TEST_F(PathSearchTest, OnlyNonExecutableMatchesIsEacces) {
  std::string path = Dirs({"a", "empty"});
  EXPECT_EQ(FindCommand("tool", path.c_str(), out_, sizeof(out_)), EACCES);
  EXPECT_EQ(FindCommand("plain", path.c_str(), out_, sizeof(out_)), EACCES);
  EXPECT_EQ(FindCommand("dironly", path.c_str(), out_, sizeof(out_)), EACCES);
}

TEST_F(PathSearchTest, NameWithSlashIsUsedAsIs) {
  std::string path = Dirs({"b"});
  ASSERT_EQ(FindCommand("./tool", path.c_str(), out_, sizeof(out_)), 0);
  EXPECT_STREQ(out_, "./tool");
  ASSERT_EQ(FindCommand("/does/not/exist", path.c_str(), out_, sizeof(out_)), 0);
  EXPECT_STREQ(out_, "/does/not/exist");
}

TEST_F(PathSearchTest, EmptyElementMeansCurrentDirectory) {
  char old_cwd[PATH_MAX];
  ASSERT_NE(getcwd(old_cwd, sizeof(old_cwd)), nullptr);
  ASSERT_EQ(chdir((root_ + "/b").c_str()), 0);
  std::string leading = ":" + Dirs({"c"});
  int rc_leading = FindCommand("tool", leading.c_str(), out_, sizeof(out_));
  std::string found_leading = out_;
  std::string trailing = Dirs({"empty"}) + ":";
  int rc_trailing = FindCommand("tool", trailing.c_str(), out_, sizeof(out_));
  std::string found_trailing = out_;
  int rc_middle = FindCommand("tool", (Dirs({"a"}) + "::" + Dirs({"c"})).c_str(), out_,
                              sizeof(out_));
  std::string found_middle = out_;
  ASSERT_EQ(chdir(old_cwd), 0);
  EXPECT_EQ(rc_leading, 0);
  EXPECT_EQ(found_leading, "./tool");
  EXPECT_EQ(rc_trailing, 0);
  EXPECT_EQ(found_trailing, "./tool");
  EXPECT_EQ(rc_middle, 0);
  EXPECT_EQ(found_middle, "./tool");
}

TEST_F(PathSearchTest, NullPathMeansTheDefaultPath) {
  // Every Linux host has a shell in one of the default directories.
  ASSERT_EQ(FindCommand("sh", nullptr, out_, sizeof(out_)), 0);
  std::string found = out_;
  EXPECT_EQ(found.substr(found.size() - 3), "/sh");
  EXPECT_NE(std::string(kDefaultPath).find(found.substr(0, found.size() - 3)), std::string::npos);
}

TEST_F(PathSearchTest, CandidatesThatDoNotFitAreEnametoolong) {
  std::string path = Dirs({"b"});
  char small[8];
  EXPECT_EQ(FindCommand("tool", path.c_str(), small, sizeof(small)), ENAMETOOLONG);
  EXPECT_EQ(FindCommand("/a/long/name", path.c_str(), small, sizeof(small)), ENAMETOOLONG);
  // A directory that does not fit does not hide a later one that does.
  std::string mixed = std::string(PATH_MAX, 'x') + ":" + path;
  ASSERT_EQ(FindCommand("tool", mixed.c_str(), out_, sizeof(out_)), 0);
  EXPECT_EQ(std::string(out_), root_ + "/b/tool");
}

}  // namespace
}  // namespace tinyrange
