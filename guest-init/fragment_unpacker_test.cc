#include "guest-init/fragment_unpacker.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "guest-init/test_archives.h"

namespace tinyrange {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using namespace testing;
using fragment::EntryType;

class UnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/root";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
  }

  // Unpacks a disk made of `parts` into root_; returns "" or the error.
  std::string Unpack(const std::vector<std::string>& parts, bool digests = true) {
    return UnpackDisk(BuildArchiveDisk(parts, digests));
  }
  std::string UnpackDisk(const std::string& disk) {
    std::string path = dir_.path() + "/disk";
    WriteFile(path, disk);
    int disk_fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    int root_fd = open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    UnpackOptions options;
    options.privileged = geteuid() == 0;
    char error[512] = "";
    stats_ = UnpackStats{};
    bool ok =
        UnpackArchiveDisk(disk_fd, disk.size(), root_fd, options, &stats_, error, sizeof error);
    close(disk_fd);
    close(root_fd);
    if (ok) {
      EXPECT_STREQ(error, "");
    }
    return ok ? "" : error;
  }
  std::string In(const std::string& rel) const { return root_ + "/" + rel; }

  TempDir dir_;
  std::string root_;
  UnpackStats stats_;
};

TEST_F(UnpackTest, EveryUnprivilegedEntryType) {
  std::string big(1500 * 1000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 4096);
  TestEntry fifo;
  fifo.type = EntryType::kFifo;
  fifo.name = "etc/fifo";
  fifo.mode = 0600;
  TestEntry exe = File("usr/bin/tool", "#!/bin/sh\n", 04755);
  exe.mtime = 1234567890;
  std::vector<TestEntry> entries = {
      Dir("etc", 0750),
      File("etc/hosts", "127.0.0.1 localhost\n", 0640),
      Dir("usr"),
      Dir("usr/bin"),
      exe,
      File("big", big),
      File("empty", ""),
      Symlink("usr/bin/sh", "tool"),
      HardLink("usr/bin/hl", "usr/bin/tool"),
      fifo,
      File("deep/auto/parents/f", "x"),  // parents not in the archive
  };
  ASSERT_EQ(Unpack({BuildFragment(entries)}), "");
  EXPECT_EQ(stats_.entries, entries.size());
  if (geteuid() != 0) {
    EXPECT_GT(stats_.skipped_owners, 0u) << "chown to root was refused and counted";
  } else {
    EXPECT_EQ(stats_.skipped_owners, 0u);
  }

  struct stat st;
  ASSERT_EQ(lstat(In("etc").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(ReadFile(In("etc/hosts")), "127.0.0.1 localhost\n");
  ASSERT_EQ(lstat(In("etc/hosts").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
  ASSERT_EQ(lstat(In("usr/bin/tool").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u) << "set-uid survives the owner change";
  EXPECT_EQ(st.st_mtim.tv_sec, 1234567890);
  EXPECT_EQ(st.st_nlink, 2u);
  struct stat hl;
  ASSERT_EQ(lstat(In("usr/bin/hl").c_str(), &hl), 0);
  EXPECT_EQ(hl.st_ino, st.st_ino);
  EXPECT_EQ(ReadFile(In("big")), big);
  EXPECT_EQ(ReadFile(In("empty")), "");
  EXPECT_EQ(fs::read_symlink(In("usr/bin/sh")), "tool");
  ASSERT_EQ(lstat(In("usr/bin/sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
  ASSERT_EQ(lstat(In("etc/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(ReadFile(In("deep/auto/parents/f")), "x");
}

TEST_F(UnpackTest, OwnersWhenRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "changing owners needs root";
  TestEntry f = File("owned", "x");
  f.uid = 1234;
  f.gid = 5678;
  TestEntry d = Dir("dir");
  d.uid = 42;
  ASSERT_EQ(Unpack({BuildFragment({f, d})}), "");
  struct stat st;
  ASSERT_EQ(lstat(In("owned").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  ASSERT_EQ(lstat(In("dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 42u);
}

TEST_F(UnpackTest, DeviceNodes) {
  std::string probe = dir_.path() + "/probe";
  if (mknod(probe.c_str(), S_IFCHR | 0600, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "this process cannot create device nodes (needs CAP_MKNOD)";
  }
  TestEntry null;
  null.type = EntryType::kCharDevice;
  null.name = "null";
  null.mode = 0666;
  null.dev_major = 1;
  null.dev_minor = 3;
  TestEntry blk = null;
  blk.type = EntryType::kBlockDevice;
  blk.name = "sda";
  blk.dev_major = 8;
  blk.dev_minor = 0;
  blk.mode = 0660;
  ASSERT_EQ(Unpack({BuildFragment({null, blk})}), "");
  struct stat st;
  ASSERT_EQ(lstat(In("null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(st.st_mode & 07777, 0666u);
  ASSERT_EQ(lstat(In("sda").c_str(), &st), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(8, 0));
}

TEST_F(UnpackTest, UnprivilegedDeviceNodesAreCountedNotFatal) {
  if (geteuid() == 0)
    GTEST_SKIP() << "checks the unprivileged path; run the tests as a normal user";
  TestEntry null;
  null.type = EntryType::kCharDevice;
  null.name = "null";
  null.dev_major = 1;
  null.dev_minor = 3;
  ASSERT_EQ(Unpack({BuildFragment({null, File("after", "x")})}), "");
  EXPECT_EQ(stats_.skipped_nodes, 1u);
  EXPECT_EQ(ReadFile(In("after")), "x");
}

TEST_F(UnpackTest, LaterEntriesReplaceEarlierOnes) {
  TestEntry old_dir = Dir("d", 0700);
  old_dir.mtime = 5;
  std::string first =
      BuildFragment({File("a", "old"), Symlink("s", "a"), Dir("empty"), old_dir,
                     File("d/keep", "k"), Symlink("l", "nowhere"), File("f", "was a file")});
  std::string second = BuildFragment({File("a", "new content"), File("s", "no longer a link"),
                                      File("empty", "was a directory"), Dir("d", 0755),
                                      Symlink("l", "a"), Dir("f")});
  ASSERT_EQ(Unpack({first, second}), "");
  EXPECT_EQ(ReadFile(In("a")), "new content");
  EXPECT_EQ(ReadFile(In("s")), "no longer a link");
  EXPECT_FALSE(fs::is_symlink(In("s")));
  EXPECT_EQ(ReadFile(In("empty")), "was a directory");
  struct stat st;
  ASSERT_EQ(lstat(In("d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u) << "a directory over a directory updates the mode";
  EXPECT_EQ(ReadFile(In("d/keep")), "k") << "and keeps its content";
  EXPECT_EQ(fs::read_symlink(In("l")), "a");
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(In("f"))));
}

TEST_F(UnpackTest, NonDirectoryOverNonEmptyDirectoryFails) {
  std::string first = BuildFragment({Dir("d"), File("d/x", "x")});
  std::string second = BuildFragment({File("ok", "1"), Symlink("d", "elsewhere")});
  std::string error = Unpack({first, second});
  EXPECT_THAT(error, HasSubstr("part 1, entry 'd'"));
  EXPECT_THAT(error, HasSubstr("non-empty directory"));
  EXPECT_EQ(ReadFile(In("d/x")), "x");
}

TEST_F(UnpackTest, MergedUsrSymlinkIsKept) {
  std::string base = BuildFragment({Dir("usr"), Dir("usr/bin"), Symlink("bin", "usr/bin"),
                                    Symlink("lib", "/usr/lib"), Dir("usr/lib")});
  std::string package =
      BuildFragment({Dir("bin"), File("bin/ls", "ls"), Dir("lib", 0700), File("lib/libc.so", "c")});
  ASSERT_EQ(Unpack({base, package}), "");
  EXPECT_TRUE(fs::is_symlink(In("bin")));
  EXPECT_EQ(fs::read_symlink(In("bin")), "usr/bin");
  EXPECT_EQ(ReadFile(In("usr/bin/ls")), "ls");
  // An absolute link is followed inside the root, not on the host.
  EXPECT_TRUE(fs::is_symlink(In("lib")));
  EXPECT_EQ(ReadFile(In("usr/lib/libc.so")), "c");
}

TEST_F(UnpackTest, PlantedSymlinksCannotEscapeTheRoot) {
  std::string outside = dir_.path() + "/outside";
  ASSERT_EQ(mkdir(outside.c_str(), 0755), 0);
  std::string plant =
      BuildFragment({Symlink("up", "../../../../.."), Symlink("abs", "/"),
                     Symlink("sib", "../outside"), Dir("outside"), Symlink("tmp", dir_.path())});
  std::string attack =
      BuildFragment({File("up/f1", "1"), File("abs/f2", "2"), File("sib/f3", "3")});
  ASSERT_EQ(Unpack({plant, attack}), "");
  EXPECT_EQ(ReadFile(In("f1")), "1");
  EXPECT_EQ(ReadFile(In("f2")), "2");
  EXPECT_EQ(ReadFile(In("outside/f3")), "3");
  EXPECT_TRUE(fs::is_empty(outside)) << "nothing was written outside the root";
  EXPECT_FALSE(fs::exists(dir_.path() + "/f1"));
  // A link to the host's real path of the directory dangles inside the root.
  std::string error = Unpack({plant, BuildFragment({File("tmp/outside/f4", "4")})});
  EXPECT_THAT(error, HasSubstr("part 1, entry 'tmp/outside/f4'"));
  EXPECT_TRUE(fs::is_empty(outside));
}

TEST_F(UnpackTest, UserExtendedAttributes) {
  std::string probe = dir_.path() + "/probe";
  WriteFile(probe, "");
  if (setxattr(probe.c_str(), "user.probe", "1", 1, 0) != 0) {
    GTEST_SKIP() << "the temporary directory's filesystem has no user.* attributes";
  }
  TestEntry f = File("f", "x");
  f.xattrs = {{"user.a", "1"}, {"user.b", std::string("\0\1", 2)}};
  TestEntry d = Dir("d");
  d.xattrs = {{"user.dir", "yes"}};
  ASSERT_EQ(Unpack({BuildFragment({f, d})}), "");
  char value[16];
  ASSERT_EQ(getxattr(In("f").c_str(), "user.a", value, sizeof value), 1);
  EXPECT_EQ(value[0], '1');
  ASSERT_EQ(getxattr(In("f").c_str(), "user.b", value, sizeof value), 2);
  EXPECT_EQ(std::string(value, 2), std::string("\0\1", 2));
  ASSERT_EQ(getxattr(In("d").c_str(), "user.dir", value, sizeof value), 3);
}

TEST_F(UnpackTest, DigestMismatchNamesThePart) {
  std::string good = BuildFragment({File("a", "a")});
  std::string other = BuildFragment({File("b", "b")});
  std::string disk = BuildArchiveDisk({good, other});
  // Put part 0's digest into part 1's slot.
  disk.replace(24 + 64 + 16, 32, Sha256Of(good));
  std::string error = UnpackDisk(disk);
  EXPECT_THAT(error, HasSubstr("part 1: SHA-256 mismatch"));
  // Without digests there is nothing to check.
  EXPECT_EQ(Unpack({good, other}, false), "");
}

TEST_F(UnpackTest, MalformedFragmentsAreRejected) {
  std::string good = BuildFragment({File("a", "a")});
  struct Case {
    std::string fragment;
    std::string message;
  };
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  std::string truncated = BuildFragment({File("a", "0123456789")});
  truncated.resize(testing::FragmentHeader().size() + 56 + 1 + 4);
  std::string padding = BuildFragment({File("a", "abc")});
  padding[16 + 56 + 1 + 3] = 1;
  std::string after_end = good + std::string(8, '\0');
  TestEntry unsorted = File("x", "");
  unsorted.xattrs = {{"user.b", ""}, {"user.a", ""}};
  TestEntry dev_file = File("x", "");
  dev_file.dev_major = 1;
  TestEntry mode = File("x", "");
  mode.mode = 0100644;
  std::vector<Case> cases = {
      {bad_magic, "not a tinyrange archive"},
      {BuildFragment({File("../x", "")}), "'..' component"},
      {BuildFragment({File("/x", "")}), "absolute path"},
      {BuildFragment({File("a//b", "")}), "empty component"},
      {BuildFragment({File("a/./b", "")}), "'.' component"},
      {BuildFragment({Dir("a/")}), "ends with '/'"},
      {BuildFragment({File("", "")}), "name length"},
      {BuildFragment({File(std::string(4096, 'n'), "")}), "name length"},
      {truncated, "truncated"},
      {BuildFragment({File("a", "a"), HardLink("b", "c")}), "hard link 'b' names 'c'"},
      {BuildFragment({Dir("c"), HardLink("b", "c")}), "not an earlier regular file"},
      {BuildFragment({HardLink("b", "../c")}), "not a valid name"},
      {padding, "padding byte"},
      {after_end, "data follows the end entry"},
      {BuildFragment({unsorted}), "strictly ascending"},
      {BuildFragment({dev_file}), "has device numbers"},
      {BuildFragment({mode}), "outside 07777"},
      {BuildFragment({Symlink("s", "")}), "without a link target"},
      {good.substr(0, 10), "truncated"},
  };
  for (const Case& c : cases) {
    std::string error = Unpack({good, c.fragment});
    EXPECT_THAT(error, HasSubstr("part 1")) << c.message;
    EXPECT_THAT(error, HasSubstr(c.message));
  }
  // An unknown type and a bad end entry.
  std::string unknown = good;
  unknown[16 + 4] = 9;
  EXPECT_THAT(Unpack({unknown}), HasSubstr("unknown entry type"));
  std::string bad_end = good;
  bad_end[bad_end.size() - 1] = 1;
  EXPECT_THAT(Unpack({bad_end}), HasSubstr("end entry has a nonzero field"));
}

}  // namespace
}  // namespace tinyrange
