#include "builder/fs_output/initramfs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "builder/fs_output/fs_output_test_util.h"

namespace tinyrange::fs_output {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tinyrange::fs_output::testing;

TEST(InitramfsTest, GzipNewcReadsBackWithMetadata) {
  ScratchDir dir;
  FsTree tree = SampleTree(dir);
  InitramfsOptions options;
  options.source_date_epoch = 1500000000;
  WriteInitramfs(tree, dir / "initrd.img", options);
  // libarchive calls newc "SVR4 with no CRC".
  EXPECT_THAT(DetectedFormat(dir / "initrd.img"), HasSubstr("SVR4 with no CRC"));
  EXPECT_THAT(DetectedFormat(dir / "initrd.img"), HasSubstr("gzip"));
  std::string bytes = ReadFile(dir / "initrd.img");
  // gzip header: no name flag, mtime 0 (nothing of the build host's clock).
  ASSERT_GT(bytes.size(), 10u);
  EXPECT_EQ(bytes[3], 0);
  EXPECT_EQ(bytes.substr(4, 4), std::string(4, '\0'));

  std::vector<ReadEntry> entries = ReadWithLibarchive(dir / "initrd.img");
  std::vector<std::string> paths;
  for (const ReadEntry& e : entries) paths.push_back(e.path);
  // Sorted, except that the hard-link pair is written together at the
  // position of its last name (bin/sh), data with the last.
  EXPECT_THAT(paths, ElementsAre("bin", "bin/ping", "bin/busybox", "bin/sh", "dev", "dev/initctl", "dev/null",
                                 "dev/sda", "etc", "etc/new", "etc/passwd", "home", "home/user",
                                 "home/user/a \"file\"", "lib"));
  const ReadEntry& busybox = EntryAt(entries, "bin/busybox");
  const ReadEntry& sh = EntryAt(entries, "bin/sh");
  EXPECT_EQ(busybox.nlink, 2u);
  EXPECT_EQ(busybox.ino, sh.ino);
  EXPECT_EQ(sh.data, "busybox binary");
  EXPECT_EQ(EntryAt(entries, "bin/ping").mode, 04755u);
  EXPECT_EQ(EntryAt(entries, "dev/null").type, 'c');
  EXPECT_EQ(EntryAt(entries, "dev/null").rdev_major, 1u);
  EXPECT_EQ(EntryAt(entries, "dev/null").rdev_minor, 3u);
  EXPECT_EQ(EntryAt(entries, "dev/sda").type, 'b');
  EXPECT_EQ(EntryAt(entries, "dev/initctl").type, 'p');
  EXPECT_EQ(EntryAt(entries, "lib").link, "usr/lib");
  EXPECT_EQ(EntryAt(entries, "home/user").uid, 3000000);
  EXPECT_EQ(EntryAt(entries, "home/user").gid, 3000001);
  EXPECT_EQ(EntryAt(entries, "etc/passwd").data, "root:x:0:0:root:/root:/bin/sh\n");
  EXPECT_EQ(EntryAt(entries, "etc/passwd").mtime, 1000);
  EXPECT_EQ(EntryAt(entries, "etc/new").mtime, 1500000000);
}

TEST(InitramfsTest, EveryCompressionReadsBackAndIsReproducible) {
  ScratchDir dir;
  FsTree tree = SampleTree(dir);
  // A file over the in-memory limit goes through the spool file.
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  tree.AddFile("big", big, Metadata());
  for (auto [compression, filter] : {std::pair{Compression::kNone, "none"}, std::pair{Compression::kGzip, "gzip"},
                                     std::pair{Compression::kZstd, "zstd"}, std::pair{Compression::kXz, "xz"}}) {
    InitramfsOptions options;
    options.compression = compression;
    options.source_date_epoch = 1500000000;
    std::filesystem::path a = dir / (std::string("a.cpio") + CompressionSuffix(compression));
    std::filesystem::path b = dir / (std::string("b.cpio") + CompressionSuffix(compression));
    WriteInitramfs(tree, a, options);
    WriteInitramfs(tree, b, options);
    EXPECT_THAT(DetectedFormat(a), HasSubstr(filter));
    std::vector<ReadEntry> entries = ReadWithLibarchive(a);
    EXPECT_EQ(entries.size(), 16u);
    EXPECT_EQ(EntryAt(entries, "big").data, big) << filter;
    EXPECT_EQ(ReadFile(a), ReadFile(b)) << filter;
    if (compression == Compression::kXz) {
      // Stream flags: check type CRC32 (1), the one the kernel decodes.
      EXPECT_EQ(ReadFile(a)[7], 1);
    }
  }
  // The command-line tools agree the streams are valid.
  int rc = -1;
  Shell("gzip -t '" + (dir / "a.cpio.gz").string() + "'", &rc);
  EXPECT_EQ(rc, 0);
  Shell("xz -t '" + (dir / "a.cpio.xz").string() + "'", &rc);
  EXPECT_EQ(rc, 0);
  Shell("zstd -t '" + (dir / "a.cpio.zst").string() + "'", &rc);
  EXPECT_EQ(rc, 0);
}

TEST(InitramfsTest, FailureLeavesNothingAndNamesTheEntry) {
  ScratchDir dir;
  FsTree tree;
  tree.AddFile("TRAILER!!!", "would end the archive early", Metadata());
  ScratchDir out;
  try {
    WriteInitramfs(tree, out / "initrd.img");
    FAIL() << "no error";
  } catch (const FsOutputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("TRAILER!!!"));
    EXPECT_THAT(e.what(), HasSubstr((out / "initrd.img").string()));
  }
  EXPECT_TRUE(out.List().empty());
}

}  // namespace
}  // namespace tinyrange::fs_output
