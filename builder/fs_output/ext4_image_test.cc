#include "builder/fs_output/ext4_image.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "builder/fs_output/fs_output_test_util.h"
#include "builder/fs_output/subprocess.h"

namespace tinyrange::fs_output {
namespace {

using ::testing::HasSubstr;
using namespace tinyrange::fs_output::testing;

// Runs one debugfs request against the image (read-only) and returns its
// output.
std::string Debugfs(const std::filesystem::path& image, const std::string& request) {
  ProcessResult result = RunProcess({"debugfs", "-R", request, image.string()});
  return result.output;
}

// e2fsprogs lives in /usr/sbin, often not on a non-root PATH.
std::string Tool(const std::string& name) { return FindProgram(name); }

class Ext4ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindProgram("mke2fs").empty() || FindProgram("debugfs").empty()) {
      GTEST_SKIP() << "e2fsprogs (mke2fs, debugfs) is not installed";
    }
  }
};

TEST_F(Ext4ImageTest, ContentsModesOwnershipLinksDevicesXattrs) {
  ScratchDir dir;
  FsTree tree = SampleTree(dir);
  Ext4ImageOptions options;
  options.source_date_epoch = 1500000000;
  options.label = "rootfs";
  std::filesystem::path image = dir / "rootfs.ext4";
  WriteExt4Image(tree, image, options);

  int rc = -1;
  Shell(Tool("e2fsck") + " -fn '" + image.string() + "'", &rc);
  EXPECT_EQ(rc, 0) << "e2fsck found problems";

  EXPECT_EQ(Debugfs(image, "cat /etc/passwd").find("root:x:0:0:root:/root:/bin/sh\n") != std::string::npos, true);
  std::string ping = Debugfs(image, "stat /bin/ping");
  EXPECT_THAT(ping, HasSubstr("Mode:  04755"));
  EXPECT_THAT(ping, HasSubstr("security.capability (8)"));
  EXPECT_THAT(ping, HasSubstr("user.note (5) = \"hello\""));
  std::string busybox = Debugfs(image, "stat /bin/busybox");
  EXPECT_THAT(busybox, HasSubstr("Links: 2"));
  EXPECT_THAT(Debugfs(image, "cat /bin/sh"), HasSubstr("busybox binary"));
  // Same inode under both names.
  std::string ls = Debugfs(image, "ls -l /bin");
  std::string inode_of_sh = Debugfs(image, "stat /bin/sh").substr(0, 12);
  EXPECT_EQ(inode_of_sh, busybox.substr(0, 12));
  std::string user = Debugfs(image, "stat \"/home/user\"");
  EXPECT_THAT(user, HasSubstr("User: 3000000"));
  EXPECT_THAT(user, HasSubstr("Group: 3000001"));
  EXPECT_THAT(user, HasSubstr("Mode:  0700"));
  EXPECT_THAT(Debugfs(image, "cat \"/home/user/a \"\"file\"\"\""), HasSubstr("quoted"));
  std::string null = Debugfs(image, "stat /dev/null");
  EXPECT_THAT(null, HasSubstr("Type: character special"));
  EXPECT_THAT(null, HasSubstr("Mode:  0666"));
  EXPECT_THAT(null, HasSubstr("Device major/minor number: 01:03"));
  EXPECT_THAT(Debugfs(image, "stat /dev/sda"), HasSubstr("Type: block special"));
  EXPECT_THAT(Debugfs(image, "stat /dev/initctl"), HasSubstr("Type: FIFO"));
  EXPECT_THAT(Debugfs(image, "stat /lib"), HasSubstr("Fast link dest: \"usr/lib\""));
  std::string passwd = Debugfs(image, "stat /etc/passwd");
  EXPECT_THAT(passwd, HasSubstr("mtime: 0x000003e8"));
  EXPECT_THAT(Debugfs(image, "stat /etc/new"), HasSubstr("mtime: 0x59682f00"));  // clamped to 1500000000
  std::string super = Shell(Tool("dumpe2fs") + " -h '" + image.string() + "'");
  EXPECT_THAT(super, HasSubstr("Filesystem volume name:   rootfs"));
}

TEST_F(Ext4ImageTest, ReproducibleAcrossRunsAndClock) {
  ScratchDir dir;
  FsTree tree = SampleTree(dir);
  Ext4ImageOptions options;
  options.source_date_epoch = 1500000000;
  WriteExt4Image(tree, dir / "a.ext4", options);
  ::sleep(1);  // a different wall clock must not matter
  WriteExt4Image(tree, dir / "b.ext4", options);
  EXPECT_TRUE(ReadFile(dir / "a.ext4") == ReadFile(dir / "b.ext4")) << "images differ";
  std::string super = Shell(Tool("dumpe2fs") + " -h '" + (dir / "a.ext4").string() + "'");
  EXPECT_THAT(super, HasSubstr("Filesystem created:       Fri Jul 14 02:40:00 2017"));

  // Different content: a different UUID.
  tree.AddFile("extra", "x", Metadata());
  WriteExt4Image(tree, dir / "c.ext4", options);
  auto uuid = [&](const std::string& name) {
    std::string out = Shell(Tool("dumpe2fs") + " -h '" + (dir / name).string() + "' 2>/dev/null | grep 'Filesystem UUID'");
    return out;
  };
  EXPECT_FALSE(uuid("a.ext4").empty());
  EXPECT_NE(uuid("a.ext4"), uuid("c.ext4"));
}

TEST_F(Ext4ImageTest, EstimatedSizeHoldsManyFiles) {
  ScratchDir dir;
  FsTree tree;
  std::string data(10000, 'd');
  for (int i = 0; i < 3000; ++i) {
    tree.AddFile("d" + std::to_string(i % 7) + "/file-with-a-longish-name-" + std::to_string(i), data,
                 Metadata());
  }
  tree.AddFile("large", std::string(20 << 20, 'L'), Metadata());
  Ext4ImageOptions options;
  options.source_date_epoch = 1;
  WriteExt4Image(tree, dir / "many.ext4", options);
  int rc = -1;
  Shell(Tool("e2fsck") + " -fn '" + (dir / "many.ext4").string() + "'", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_LT(std::filesystem::file_size(dir / "many.ext4"), EstimateExt4ImageSize(tree) + 1);
  // e2fsck -D indexed the big directories.
  EXPECT_THAT(Debugfs(dir / "many.ext4", "htree /d0"), HasSubstr("Root node dump"));
}

TEST_F(Ext4ImageTest, EmptyTreeAndTreeWithLostAndFound) {
  ScratchDir dir;
  FsTree empty;
  WriteExt4Image(empty, dir / "empty.ext4");
  int rc = -1;
  Shell(Tool("e2fsck") + " -fn '" + (dir / "empty.ext4").string() + "'", &rc);
  EXPECT_EQ(rc, 0);
  FsTree tree;
  tree.AddDirectory("lost+found", Metadata(0711, 0, 0, 77));
  WriteExt4Image(tree, dir / "lf.ext4");
  EXPECT_THAT(Debugfs(dir / "lf.ext4", "stat /lost+found"), HasSubstr("Mode:  0711"));
}

TEST_F(Ext4ImageTest, TooSmallFailsNamingTheCommandAndLeavesNothing) {
  ScratchDir dir;
  FsTree tree;
  tree.AddFile("big", std::string(8 << 20, 'x'), Metadata());
  ScratchDir out;
  Ext4ImageOptions options;
  options.size_bytes = 4 << 20;
  try {
    WriteExt4Image(tree, out / "small.ext4", options);
    FAIL() << "no error";
  } catch (const FsOutputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("debugfs -w -f"));
    EXPECT_THAT(e.what(), HasSubstr("/big"));
    EXPECT_THAT(e.what(), HasSubstr("too small"));
  }
  EXPECT_TRUE(out.List().empty());
}


TEST_F(Ext4ImageTest, EmptyScratchFileSystemHasNoJournalAndChecksClean) {
  ScratchDir dir;
  std::filesystem::path disk = dir.path() / "storage.img";
  {
    std::ofstream make(disk);
  }
  std::filesystem::resize_file(disk, 64 << 20);
  FormatEmptyExt4(disk);
  std::string stats = Debugfs(disk, "stats");
  EXPECT_THAT(stats, HasSubstr("Filesystem features:"));
  EXPECT_THAT(stats, HasSubstr("extent"));
  EXPECT_THAT(stats, ::testing::Not(HasSubstr("has_journal")));
  EXPECT_THAT(stats, HasSubstr("Block count:              16384"));
  ProcessResult fsck = RunProcess({Tool("e2fsck"), "-fn", disk.string()});
  EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
  // Still sparse: nothing but metadata was written.
  struct stat st;
  ASSERT_EQ(stat(disk.c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, 16 << 20);

  std::filesystem::path tiny = dir.path() / "tiny.img";
  {
    std::ofstream make(tiny);
  }
  std::filesystem::resize_file(tiny, 1 << 20);
  EXPECT_THROW(FormatEmptyExt4(tiny), FsOutputError);
  EXPECT_THROW(FormatEmptyExt4(dir.path() / "missing.img"), FsOutputError);
}

}  // namespace
}  // namespace tinyrange::fs_output
