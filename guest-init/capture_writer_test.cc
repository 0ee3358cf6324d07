#include "guest-init/capture_writer.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "guest-init/fragment_format.h"
#include "guest-init/fragment_reader.h"
#include "guest-init/test_archives.h"

namespace tinyrange {
namespace {

namespace fs = std::filesystem;
using fragment::EntryType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct ReadEntry {
  EntryType type;
  uint32_t mode;
  std::string link;
  std::string data;
};

class CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/root";
    fs::create_directories(root_ + "/etc");
    fs::create_directories(root_ + "/usr/bin");
    fs::create_directories(root_ + "/.tinyrange/install");
    testing::WriteFile(root_ + "/etc/config", "old");
    testing::WriteFile(root_ + "/etc/untouched", "same");
    testing::WriteFile(root_ + "/usr/bin/tool", "tool");
    testing::WriteFile(root_ + "/.tinyrange/install/steps", "steps");
    fs::create_symlink("tool", root_ + "/usr/bin/alias");
    fs::create_directories(root_ + "/var/lock");
    fs::create_directory(root_ + "/usr/real");
    fs::create_directory_symlink("real", root_ + "/usr/dirlink");
    root_fd_ = open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    char error[256] = "";
    ASSERT_TRUE(before_.Take(root_fd_, error, sizeof error)) << error;
  }
  void TearDown() override { close(root_fd_); }

  // Takes the "after" snapshot and captures into a disk of `disk_size`.
  CaptureResult Capture(uint64_t disk_size = 1 << 20) {
    char error[256] = "";
    RootSnapshot after;
    EXPECT_TRUE(after.Take(root_fd_, error, sizeof error)) << error;
    disk_ = dir_.path() + "/capture";
    int fd = open(disk_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_EQ(ftruncate(fd, static_cast<off_t>(disk_size)), 0);
    CaptureResult result;
    EXPECT_TRUE(WriteCapture(root_fd_, before_, after, fd, &result, error, sizeof error)) << error;
    close(fd);
    return result;
  }

  // Checks the header; reads the archive back with guest-init's own reader.
  std::map<std::string, ReadEntry> ReadBack(CaptureStatus status, std::vector<std::string>* order) {
    std::string disk = testing::ReadFile(disk_);
    EXPECT_EQ(disk.substr(0, 8), "TRCAPT01");
    const uint8_t* h = reinterpret_cast<const uint8_t*>(disk.data());
    EXPECT_EQ(fragment::GetU32(h + 8), 1u);
    EXPECT_EQ(fragment::GetU32(h + 12), static_cast<uint32_t>(status));
    uint64_t length = fragment::GetU64(h + 16);
    EXPECT_GE(disk.find_first_not_of('\0', 24), 4096u) << "the rest of the header is zero";
    std::map<std::string, ReadEntry> entries;
    if (status != CaptureStatus::kComplete) {
      EXPECT_EQ(length, 0u);
      return entries;
    }
    int fd = open(disk_.c_str(), O_RDONLY | O_CLOEXEC);
    std::vector<uint8_t> buffer(64 * 1024);
    FragmentReader reader(fd, 4096, length, buffer.data(), buffer.size());
    EXPECT_TRUE(reader.Start()) << reader.error();
    static FragmentEntry e;
    int r;
    while ((r = reader.Next(&e)) == 1) {
      ReadEntry out{e.type, e.mode, e.link, ""};
      const uint8_t* data;
      size_t len;
      while (reader.ReadData(&data, &len) && len > 0)
        out.data.append(reinterpret_cast<const char*>(data), len);
      order->push_back(e.name);
      entries[e.name] = out;
    }
    EXPECT_EQ(r, 0) << reader.error();
    close(fd);
    return entries;
  }

  testing::TempDir dir_;
  std::string root_;
  std::string disk_;
  int root_fd_ = -1;
  RootSnapshot before_;
};

TEST_F(CaptureTest, SnapshotIsSortedAndSearchable) {
  ASSERT_EQ(before_.count(), 14u);  // with var, var/lock, usr/real, usr/dirlink
  for (size_t i = 1; i < before_.count(); ++i) {
    EXPECT_LT(before_.path(before_.record(i - 1)), before_.path(before_.record(i)));
  }
  const SnapshotRecord* r = before_.Find("usr/bin/tool");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->size, 4u);
  EXPECT_TRUE(S_ISREG(r->mode));
  EXPECT_TRUE(S_ISLNK(before_.Find("usr/bin/alias")->mode));
  EXPECT_EQ(before_.Find("usr/bin/nothing"), nullptr);
  EXPECT_EQ(before_.Find(""), nullptr);
}

TEST_F(CaptureTest, ArchivesNewAndChangedPaths) {
  testing::WriteFile(root_ + "/etc/config", "new and longer");
  fs::create_directories(root_ + "/var/lib/pkg");
  testing::WriteFile(root_ + "/var/lib/pkg/status", "installed");
  chmod((root_ + "/usr/bin/tool").c_str(), 0700);
  fs::create_symlink("/etc/config", root_ + "/etc/link");
  ASSERT_EQ(mkfifo((root_ + "/var/fifo").c_str(), 0640), 0);
  fs::remove_all(root_ + "/.tinyrange/install");  // expected, not a removal

  CaptureResult result = Capture();
  EXPECT_EQ(result.status, CaptureStatus::kComplete);
  std::vector<std::string> order;
  auto entries = ReadBack(CaptureStatus::kComplete, &order);
  EXPECT_EQ(result.entries, entries.size());
  // Sorted, parents first; the untouched paths are not there. Directories
  // whose content changed are (their mtime changed).
  EXPECT_THAT(order,
              ElementsAre(".tinyrange", "etc", "etc/config", "etc/link", "usr/bin/tool", "var",
                          "var/fifo", "var/lib", "var/lib/pkg", "var/lib/pkg/status"));
  EXPECT_EQ(entries["etc/config"].data, "new and longer");
  EXPECT_EQ(entries["etc/config"].type, EntryType::kFile);
  EXPECT_EQ(entries["usr/bin/tool"].mode, 0700u);
  EXPECT_EQ(entries["usr/bin/tool"].data, "tool");
  EXPECT_EQ(entries["etc/link"].type, EntryType::kSymlink);
  EXPECT_EQ(entries["etc/link"].link, "/etc/config");
  EXPECT_EQ(entries["var/lib/pkg"].type, EntryType::kDirectory);
  EXPECT_EQ(entries["var/fifo"].type, EntryType::kFifo);
  EXPECT_EQ(entries["var/fifo"].mode, 0640u);
  EXPECT_EQ(entries["var/lib/pkg/status"].data, "installed");
}

TEST_F(CaptureTest, NothingChangedIsAnEmptyArchive) {
  CaptureResult result = Capture();
  EXPECT_EQ(result.status, CaptureStatus::kComplete);
  EXPECT_EQ(result.length, 16u + 56u);
  std::vector<std::string> order;
  EXPECT_TRUE(ReadBack(CaptureStatus::kComplete, &order).empty());
}

TEST_F(CaptureTest, RemovalIsNotCacheable) {
  fs::remove(root_ + "/etc/untouched");
  CaptureResult result = Capture();
  EXPECT_EQ(result.status, CaptureStatus::kNotCacheable);
  EXPECT_THAT(result.reason, HasSubstr("/etc/untouched was removed"));
  std::vector<std::string> order;
  ReadBack(CaptureStatus::kNotCacheable, &order);
}

TEST_F(CaptureTest, TypeChangesAreReplayedByTheNewEntry) {
  // A symlink that became a file, an empty directory that became a symlink
  // (Debian's /var/lock -> /run/lock): unpacking the new entry redoes both.
  fs::remove(root_ + "/usr/bin/alias");
  testing::WriteFile(root_ + "/usr/bin/alias", "now a file");
  fs::remove(root_ + "/var/lock");
  fs::create_symlink("/run/lock", root_ + "/var/lock");
  CaptureResult result = Capture();
  EXPECT_EQ(result.status, CaptureStatus::kComplete) << result.reason;
  std::vector<std::string> order;
  auto entries = ReadBack(CaptureStatus::kComplete, &order);
  EXPECT_EQ(entries["usr/bin/alias"].type, EntryType::kFile);
  EXPECT_EQ(entries["var/lock"].type, EntryType::kSymlink);
}

TEST_F(CaptureTest, ASymlinkReplacedByADirectoryIsNotCacheable) {
  // The unpacker keeps a symlink to a directory where an archive has a
  // directory (merged /usr), so this change could not be replayed.
  fs::remove(root_ + "/usr/dirlink");
  fs::create_directory(root_ + "/usr/dirlink");
  CaptureResult result = Capture();
  EXPECT_EQ(result.status, CaptureStatus::kNotCacheable);
  EXPECT_THAT(result.reason, HasSubstr("/usr/dirlink was a symlink replaced by a directory"));
}

TEST_F(CaptureTest, TooLargeForTheDisk) {
  testing::WriteFile(root_ + "/big", std::string(300000, 'b'));
  CaptureResult result = Capture(4096 + 100000);
  EXPECT_EQ(result.status, CaptureStatus::kTooLarge);
  std::vector<std::string> order;
  ReadBack(CaptureStatus::kTooLarge, &order);
  // Nothing was written past the end of the disk.
  EXPECT_EQ(fs::file_size(disk_), 4096u + 100000u);
}

TEST(InstallStepsPathTest, OnlyTheInstallDirectory) {
  EXPECT_TRUE(IsInstallStepsPath(".tinyrange/install", 18));
  EXPECT_TRUE(IsInstallStepsPath(".tinyrange/install/steps", 24));
  EXPECT_FALSE(IsInstallStepsPath(".tinyrange/installer", 20));
  EXPECT_FALSE(IsInstallStepsPath(".tinyrange", 10));
}

}  // namespace
}  // namespace tinyrange
