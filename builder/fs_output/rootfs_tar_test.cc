#include "builder/fs_output/rootfs_tar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "builder/fs_output/fs_output_test_util.h"

namespace tinyrange::fs_output {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tinyrange::fs_output::testing;

TEST(RootfsTarTest, EntriesReadBackWithEveryKindOfMetadata) {
  ScratchDir dir;
  FsTree tree = SampleTree(dir);
  RootfsTarOptions options;
  options.source_date_epoch = 1500000000;
  WriteRootfsTar(tree, dir / "rootfs.tar", options);
  std::vector<ReadEntry> entries = ReadWithLibarchive(dir / "rootfs.tar");
  std::vector<std::string> paths;
  for (const ReadEntry& e : entries) paths.push_back(e.path);
  // Sorted, relative, no "./" and no root entry; directories end in "/".
  EXPECT_THAT(paths, ElementsAre("bin/", "bin/busybox", "bin/ping", "bin/sh", "dev/", "dev/initctl", "dev/null",
                                 "dev/sda", "etc/", "etc/new", "etc/passwd", "home/", "home/user/",
                                 "home/user/a \"file\"", "lib"));
  EXPECT_EQ(EntryAt(entries, "bin/busybox").data, "busybox binary");
  EXPECT_EQ(EntryAt(entries, "bin/sh").type, 'h');
  EXPECT_EQ(EntryAt(entries, "bin/sh").link, "bin/busybox");
  const ReadEntry& ping = EntryAt(entries, "bin/ping");
  EXPECT_EQ(ping.mode, 04755u);
  EXPECT_EQ(ping.xattrs.at("security.capability"), std::string("\x01\x00\x00\x02\x00\x20\x00\x00", 8));
  EXPECT_EQ(ping.xattrs.at("user.note"), "hello");
  EXPECT_EQ(EntryAt(entries, "dev/null").type, 'c');
  EXPECT_EQ(EntryAt(entries, "dev/null").rdev_major, 1u);
  EXPECT_EQ(EntryAt(entries, "dev/null").rdev_minor, 3u);
  EXPECT_EQ(EntryAt(entries, "dev/sda").type, 'b');
  EXPECT_EQ(EntryAt(entries, "dev/sda").mode, 0660u);
  EXPECT_EQ(EntryAt(entries, "dev/initctl").type, 'p');
  EXPECT_EQ(EntryAt(entries, "lib").type, 'l');
  EXPECT_EQ(EntryAt(entries, "lib").link, "usr/lib");
  EXPECT_EQ(EntryAt(entries, "etc/passwd").data, "root:x:0:0:root:/root:/bin/sh\n");
  const ReadEntry& home = EntryAt(entries, "home/user/");
  EXPECT_EQ(home.uid, 3000000);  // beyond ustar's 7 octal digits: a pax record
  EXPECT_EQ(home.gid, 3000001);
  EXPECT_EQ(home.mode, 0700u);
  EXPECT_EQ(EntryAt(entries, "etc/passwd").mtime, 1000);
  EXPECT_EQ(EntryAt(entries, "etc/new").mtime, 1500000000);  // clamped

  // GNU tar reads it too, xattrs included.
  int rc = -1;
  std::string listing = Shell("tar --xattrs -tvf '" + (dir / "rootfs.tar").string() + "'", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(listing, HasSubstr("bin/sh link to bin/busybox"));
  EXPECT_THAT(listing, HasSubstr("3000000/3000001"));
  // No user or group names: numeric ownership only.
  EXPECT_THAT(DetectedFormat(dir / "rootfs.tar"), HasSubstr("POSIX"));
}

TEST(RootfsTarTest, CompressedVariantsReadBackAndAreReproducible) {
  ScratchDir dir;
  FsTree tree = SampleTree(dir);
  for (auto [compression, filter] : {std::pair{Compression::kGzip, "gzip"}, std::pair{Compression::kZstd, "zstd"},
                                     std::pair{Compression::kXz, "xz"}}) {
    RootfsTarOptions options;
    options.compression = compression;
    options.source_date_epoch = 1500000000;
    std::filesystem::path a = dir / (std::string("a.tar") + CompressionSuffix(compression));
    std::filesystem::path b = dir / (std::string("b.tar") + CompressionSuffix(compression));
    WriteRootfsTar(tree, a, options);
    WriteRootfsTar(tree, b, options);
    EXPECT_THAT(DetectedFormat(a), HasSubstr(filter));
    EXPECT_EQ(ReadWithLibarchive(a).size(), 15u);
    EXPECT_EQ(ReadFile(a), ReadFile(b)) << filter;
  }
}

TEST(RootfsTarTest, SameTreeFromDifferentLayeringGivesSameBytes) {
  ScratchDir dir;
  FsTree one;
  one.ApplyArchive(MakeArchive(dir / "1", {Dir("a"), File("a/x", "x"), File("b", "b")}));
  FsTree two;
  two.ApplyArchive(MakeArchive(dir / "2", {File("b", "old"), Dir("a", 0700), File("a/y", "y")}));
  two.ApplyArchive(MakeArchive(dir / "3", {File("b", "b"), Dir("a"), File("a/x", "x")}));
  two.Remove("a/y");
  WriteRootfsTar(one, dir / "one.tar");
  WriteRootfsTar(two, dir / "two.tar");
  EXPECT_EQ(ReadFile(dir / "one.tar"), ReadFile(dir / "two.tar"));
}

TEST(RootfsTarTest, SourceDateEpochFromEnvironmentClamps) {
  ScratchDir dir;
  FsTree tree;
  tree.AddFile("f", "x", Metadata(0644, 0, 0, 2000000000));
  ::setenv("SOURCE_DATE_EPOCH", "1234567890", 1);
  WriteRootfsTar(tree, dir / "t.tar");
  ::unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(ReadWithLibarchive(dir / "t.tar")[0].mtime, 1234567890);
  WriteRootfsTar(tree, dir / "u.tar");
  EXPECT_EQ(ReadWithLibarchive(dir / "u.tar")[0].mtime, 2000000000);
}

TEST(RootfsTarTest, FailureLeavesNothingAndNamesTheEntry) {
  ScratchDir dir;
  std::filesystem::path host = dir / "host-file";
  { std::ofstream(host) << "abc"; }
  FsTree tree;
  tree.AddFile("a", "a", Metadata());
  tree.AddHostFile("z/from-host", host, Metadata());
  std::filesystem::remove(host);
  ScratchDir out;
  try {
    WriteRootfsTar(tree, out / "rootfs.tar");
    FAIL() << "no error";
  } catch (const FsOutputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("z/from-host"));
    EXPECT_THAT(e.what(), HasSubstr(host.string()));
  }
  EXPECT_TRUE(out.List().empty());
  // A missing output directory is named too.
  EXPECT_THAT([&] { WriteRootfsTar(tree, dir / "no-such-dir" / "rootfs.tar"); },
              ::testing::ThrowsMessage<FsOutputError>(HasSubstr("no-such-dir")));
}

TEST(RootfsTarTest, NamesThatAreNotUtf8AreRefusedByName) {
  ScratchDir dir;
  FsTree tree;
  tree.AddFile("caf\xc3\xa9", "utf-8 is fine", Metadata());
  WriteRootfsTar(tree, dir / "ok.tar");
  EXPECT_EQ(ReadWithLibarchive(dir / "ok.tar")[0].path, "caf\xc3\xa9");
  tree.AddFile("latin1-caf\xe9", "x", Metadata());
  tree.AddSymlink("link", "bad\xff", Metadata(0777));
  for (const char* bad : {"latin1-caf\\xe9", "bad\\xff"}) {
    ScratchDir out;
    try {
      WriteRootfsTar(tree, out / "bad.tar");
      FAIL() << "no error";
    } catch (const FsOutputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(bad));
      EXPECT_THAT(e.what(), HasSubstr("UTF-8"));
    }
    EXPECT_TRUE(out.List().empty());
    tree.Remove("latin1-caf\xe9");
  }
}

}  // namespace
}  // namespace tinyrange::fs_output
