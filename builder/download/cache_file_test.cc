#include "builder/download/cache_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace tinyrange::download {
namespace {

namespace fs = std::filesystem;

class CacheFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("cache_file_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CacheFileTest, CopyFileOutIsAnIndependentCopy) {
  std::string source = (dir_ / "entry").string(), copy = (dir_ / "copy").string();
  std::string bytes(3 << 20, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(source, bytes, &error)) << error;
  fs::permissions(source, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);

  ASSERT_TRUE(CopyFileOut(source, copy, &error)) << error;
  std::string copied;
  ASSERT_TRUE(ReadWholeFile(copy, &copied));
  EXPECT_EQ(copied, bytes);
  struct stat a {}, b {};
  ASSERT_EQ(stat(source.c_str(), &a), 0);
  ASSERT_EQ(stat(copy.c_str(), &b), 0);
  EXPECT_NE(a.st_ino, b.st_ino);            // not a hard link
  EXPECT_EQ(b.st_mode & 0777, 0644u);       // the entry's bits, writable by its owner
  std::ofstream(copy, std::ios::app) << "changed";
  std::string after;
  ASSERT_TRUE(ReadWholeFile(source, &after));
  EXPECT_EQ(after, bytes);
}

TEST_F(CacheFileTest, CopyFileOutNamesWhatFailedAndLeavesNothing) {
  std::string error;
  EXPECT_FALSE(CopyFileOut((dir_ / "missing").string(), (dir_ / "to").string(), &error));
  EXPECT_NE(error.find("missing"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir_ / "to"));
  ASSERT_TRUE(WriteFileAtomically((dir_ / "from").string(), "x", &error));
  ASSERT_TRUE(WriteFileAtomically((dir_ / "taken").string(), "old", &error));
  EXPECT_FALSE(CopyFileOut((dir_ / "from").string(), (dir_ / "taken").string(), &error));
  EXPECT_NE(error.find("taken"), std::string::npos) << error;
  std::string kept;
  ASSERT_TRUE(ReadWholeFile((dir_ / "taken").string(), &kept));
  EXPECT_EQ(kept, "old");
}

}  // namespace
}  // namespace tinyrange::download

namespace tinyrange::download {
namespace {

TEST(WriteAllTest, WritesEverythingThroughAPipeAndReportsFailures) {
  // More than a pipe holds, so the writes come back short while a reader
  // drains it.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  std::string data(1 << 20, 'x');
  for (size_t i = 0; i < data.size(); i += 4096) data[i] = static_cast<char>(i / 4096);
  std::string received;
  std::thread reader([&] {
    char buffer[8192];
    ssize_t n;
    while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) received.append(buffer, static_cast<size_t>(n));
  });
  EXPECT_TRUE(WriteAll(pipe_fds[1], data.data(), data.size()));
  close(pipe_fds[1]);
  reader.join();
  close(pipe_fds[0]);
  EXPECT_EQ(received, data);

  int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (full >= 0) {
    errno = 0;
    EXPECT_FALSE(WriteAll(full, "abc", 3));
    EXPECT_EQ(errno, ENOSPC);
    close(full);
  }
  EXPECT_FALSE(WriteAll(-1, "abc", 3));
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace tinyrange::download
