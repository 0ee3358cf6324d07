#include "builder/fs_output/fs_tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "builder/fs_output/fs_output_test_util.h"

namespace tinyrange::fs_output {
namespace {

using archive::EntryType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tinyrange::fs_output::testing;

std::vector<std::string> Paths(const FsTree& tree) {
  std::vector<std::string> out;
  for (const OutputEntry& e : tree.Entries(std::nullopt)) out.push_back(e.path);
  return out;
}

TEST(FsTreeTest, LaterArchiveReplacesFileDataAndMetadata) {
  ScratchDir dir;
  FsTree tree;
  tree.ApplyArchive(MakeArchive(dir / "1", {Dir("etc"), File("etc/motd", "old", 0644, 0, 0, 10)}));
  tree.ApplyArchive(MakeArchive(dir / "2", {File("etc/motd", "new text", 0600, 5, 6, 20)}));
  const Inode* motd = tree.Find("etc/motd");
  ASSERT_NE(motd, nullptr);
  EXPECT_EQ(motd->meta.mode, 0600u);
  EXPECT_EQ(motd->meta.uid, 5u);
  EXPECT_EQ(motd->meta.gid, 6u);
  EXPECT_EQ(motd->meta.mtime, 20);
  FileDataReader reader(tree);
  EXPECT_EQ(reader.ReadAll(*motd), "new text");
  EXPECT_THAT(motd->origin, HasSubstr((dir / "2").string()));
}

TEST(FsTreeTest, DirectoryOverDirectoryUpdatesMetadataAndKeepsChildren) {
  ScratchDir dir;
  FsTree tree;
  tree.ApplyArchive(MakeArchive(dir / "1", {Dir("usr", 0755), Dir("usr/bin"), File("usr/bin/a", "a")}));
  tree.ApplyArchive(MakeArchive(dir / "2", {Dir("usr", 0700, 7, 8, 99)}));
  EXPECT_THAT(Paths(tree), ElementsAre("usr", "usr/bin", "usr/bin/a"));
  EXPECT_EQ(tree.Find("usr")->meta.mode, 0700u);
  EXPECT_EQ(tree.Find("usr")->meta.uid, 7u);
}

TEST(FsTreeTest, FileReplacingDirectoryRemovesItsSubtreeOnly) {
  ScratchDir dir;
  FsTree tree;
  // "a.b" and "a0" sort around "a/..." bytewise and must survive.
  tree.ApplyArchive(MakeArchive(dir / "1", {Dir("a"), Dir("a/b"), File("a/b/c", "c"), File("a.b", "x"),
                                            File("a0", "y")}));
  tree.ApplyArchive(MakeArchive(dir / "2", {Symlink("a", "a0")}));
  EXPECT_THAT(Paths(tree), ElementsAre("a", "a.b", "a0"));
  EXPECT_EQ(tree.Find("a")->type, NodeType::kSymlink);
  EXPECT_EQ(tree.Find("a")->symlink_target, "a0");
}

TEST(FsTreeTest, DirectoryReplacingFile) {
  ScratchDir dir;
  FsTree tree;
  tree.ApplyArchive(MakeArchive(dir / "1", {File("lib", "not a dir")}));
  tree.ApplyArchive(MakeArchive(dir / "2", {Dir("lib"), File("lib/x", "x")}));
  EXPECT_THAT(Paths(tree), ElementsAre("lib", "lib/x"));
  EXPECT_EQ(tree.Find("lib")->type, NodeType::kDirectory);
}

TEST(FsTreeTest, HardLinksStayLinkedWhileBothNamesSurvive) {
  ScratchDir dir;
  FsTree tree;
  tree.ApplyArchive(MakeArchive(dir / "1", {Dir("bin"), File("bin/a", "same", 0755), HardLink("bin/b", "bin/a"),
                                            HardLink("bin/c", "bin/a")}));
  std::vector<OutputEntry> entries = tree.Entries(std::nullopt);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[1].path, "bin/a");
  EXPECT_EQ(entries[1].hardlink_to, "");
  EXPECT_EQ(entries[2].hardlink_to, "bin/a");
  EXPECT_EQ(entries[3].hardlink_to, "bin/a");
  EXPECT_THAT(entries[3].link_group, ElementsAre("bin/a", "bin/b", "bin/c"));

  // Replacing the first name leaves the other two linked to each other.
  tree.ApplyArchive(MakeArchive(dir / "2", {File("bin/a", "different")}));
  entries = tree.Entries(std::nullopt);
  EXPECT_TRUE(entries[1].link_group.empty());
  EXPECT_EQ(entries[2].path, "bin/b");
  EXPECT_EQ(entries[2].hardlink_to, "");
  EXPECT_EQ(entries[3].hardlink_to, "bin/b");
  EXPECT_THAT(entries[3].link_group, ElementsAre("bin/b", "bin/c"));
  FileDataReader reader(tree);
  EXPECT_EQ(reader.ReadAll(*tree.Find("bin/c")), "same");

  // Removing one more leaves a plain file.
  tree.Remove("bin/c");
  entries = tree.Entries(std::nullopt);
  EXPECT_TRUE(entries[2].link_group.empty());
  EXPECT_EQ(entries[2].hardlink_to, "");
}

TEST(FsTreeTest, HardLinkResolvesToItsOwnArchivesFile) {
  ScratchDir dir;
  FsTree tree;
  tree.ApplyArchive(MakeArchive(dir / "1", {File("a", "old a"), File("b", "old b")}));
  tree.ApplyArchive(MakeArchive(dir / "2", {File("a", "new a"), HardLink("b", "a")}));
  FileDataReader reader(tree);
  EXPECT_EQ(reader.ReadAll(*tree.Find("b")), "new a");
  EXPECT_EQ(tree.Find("a"), tree.Find("b"));
}

TEST(FsTreeTest, MissingParentsAreCreatedAndNonDirectoryParentIsAnError) {
  ScratchDir dir;
  FsTree tree;
  tree.ApplyArchive(MakeArchive(dir / "1", {File("x/y/z", "z"), Symlink("bin", "usr/bin")}));
  EXPECT_THAT(Paths(tree), ElementsAre("bin", "x", "x/y", "x/y/z"));
  EXPECT_EQ(tree.Find("x/y")->type, NodeType::kDirectory);
  EXPECT_EQ(tree.Find("x/y")->meta.mode, 0755u);
  std::filesystem::path second = MakeArchive(dir / "2", {File("bin/sh", "sh")});
  try {
    tree.ApplyArchive(second);
    FAIL() << "no error";
  } catch (const FsOutputError& e) {
    EXPECT_THAT(e.what(), HasSubstr(second.string()));
    EXPECT_THAT(e.what(), HasSubstr("\"bin/sh\""));
    EXPECT_THAT(e.what(), HasSubstr("symlink"));
  }
}

TEST(FsTreeTest, KeepDirectorySymlinksInstallsThroughThem) {
  ScratchDir dir;
  std::filesystem::path base = MakeArchive(dir / "1", {Dir("usr"), Dir("usr/bin"), Dir("usr/lib64"),
                                                       Symlink("bin", "usr/bin"), Symlink("lib64", "/usr/lib64"),
                                                       Symlink("sbin", "missing/sbin"), Dir("etc"),
                                                       Symlink("etc/up", "../../../usr")});
  std::filesystem::path package = MakeArchive(dir / "2", {Dir("bin", 0700), File("bin/sh", "sh"), Dir("lib64"),
                                                          File("lib64/ld.so", "ld"), File("sbin/init", "init"),
                                                          File("etc/up/share", "via dot-dot")});
  FsTreeOptions options;
  options.keep_directory_symlinks = true;
  FsTree tree(options);
  tree.ApplyArchive(base);
  tree.ApplyArchive(package);
  EXPECT_EQ(tree.Find("bin")->type, NodeType::kSymlink);
  EXPECT_EQ(tree.Find("lib64")->type, NodeType::kSymlink);
  EXPECT_EQ(tree.Find("usr/bin")->meta.mode, 0755u);  // the dropped entry's 0700 is not applied
  EXPECT_NE(tree.Find("usr/bin/sh"), nullptr);
  EXPECT_NE(tree.Find("usr/lib64/ld.so"), nullptr);
  EXPECT_EQ(tree.Find("bin/sh"), nullptr);
  // A dangling symlink's target directories are created.
  EXPECT_EQ(tree.Find("sbin")->type, NodeType::kSymlink);
  EXPECT_NE(tree.Find("missing/sbin/init"), nullptr);
  // ".." stops at the root.
  EXPECT_NE(tree.Find("usr/share"), nullptr);

  // Without the option a directory entry replaces the symlink.
  FsTree plain;
  plain.ApplyArchive(base);
  plain.ApplyArchive(MakeArchive(dir / "3", {Dir("bin"), File("bin/sh", "sh")}));
  EXPECT_EQ(plain.Find("bin")->type, NodeType::kDirectory);
  EXPECT_NE(plain.Find("bin/sh"), nullptr);
  EXPECT_EQ(plain.Find("usr/bin/sh"), nullptr);
}

TEST(FsTreeTest, SymlinkLoopIsAnError) {
  FsTreeOptions options;
  options.keep_directory_symlinks = true;
  FsTree tree(options);
  tree.AddSymlink("a", "b", Metadata(0777));
  tree.AddSymlink("b", "a", Metadata(0777));
  EXPECT_THAT([&] { tree.AddFile("a/x", "x", Metadata()); },
              ::testing::ThrowsMessage<FsOutputError>(HasSubstr("\"a/x\"")));
}

TEST(FsTreeTest, FileDataIsReadFromTheRightOffsets) {
  ScratchDir dir;
  // Names, links and xattrs of different lengths shift the data offsets.
  TestEntry with_xattrs = File("f2", std::string(1000, 'b'));
  with_xattrs.entry.xattrs = {{"security.capability", std::string("\x01\x00\x00\x02", 4)}, {"user.k", "v"}};
  FsTree tree;
  tree.ApplyArchive(MakeArchive(dir / "1", {File("f1", "1234567"), Symlink("long-symlink-name", "target/x"),
                                            with_xattrs, File("empty", ""), File("f3", "tail")}));
  FileDataReader reader(tree);
  EXPECT_EQ(reader.ReadAll(*tree.Find("f1")), "1234567");
  EXPECT_EQ(reader.ReadAll(*tree.Find("f2")), std::string(1000, 'b'));
  EXPECT_EQ(reader.ReadAll(*tree.Find("empty")), "");
  EXPECT_EQ(reader.ReadAll(*tree.Find("f3")), "tail");
  EXPECT_EQ(tree.Find("f2")->meta.xattrs.size(), 2u);
}

TEST(FsTreeTest, AddedEntriesFollowTheSameRules) {
  ScratchDir dir;
  FsTree tree;
  tree.ApplyArchive(MakeArchive(dir / "1", {Dir("etc"), File("etc/hostname", "old")}));
  tree.AddFile("/etc/hostname", "vm\n", Metadata(0644));
  tree.AddDirectory("dev", Metadata(0755));
  tree.AddDevice("dev/null", NodeType::kCharDevice, 1, 3, Metadata(0666));
  tree.AddFifo("run/fifo", Metadata(0600));
  tree.AddSymlink("sbin", "bin", Metadata(0777));
  tree.AddHardLink("etc/hostname2", "etc/hostname");
  EXPECT_THAT(Paths(tree), ElementsAre("dev", "dev/null", "etc", "etc/hostname", "etc/hostname2", "run",
                                       "run/fifo", "sbin"));
  FileDataReader reader(tree);
  EXPECT_EQ(reader.ReadAll(*tree.Find("etc/hostname2")), "vm\n");
  EXPECT_THROW(tree.AddFile("a/../b", "x", Metadata()), FsOutputError);
  EXPECT_THROW(tree.AddHardLink("x", "dev"), FsOutputError);
}

TEST(FsTreeTest, MtimesAreClampedToSourceDateEpoch) {
  FsTree tree;
  tree.AddFile("old", "", Metadata(0644, 0, 0, 100));
  tree.AddFile("new", "", Metadata(0644, 0, 0, 5000));
  std::vector<OutputEntry> entries = tree.Entries(1000);
  EXPECT_EQ(entries[0].path, "new");
  EXPECT_EQ(entries[0].mtime, 1000);
  EXPECT_EQ(entries[1].mtime, 100);
  EXPECT_EQ(tree.Entries(std::nullopt)[0].mtime, 5000);
}

TEST(FsTreeTest, SourceDateEpochFromEnvironment) {
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  EXPECT_EQ(SourceDateEpochFromEnvironment(), 1700000000);
  EXPECT_EQ(ResolveSourceDateEpoch(5), 5);
  ::setenv("SOURCE_DATE_EPOCH", "17x", 1);
  EXPECT_THROW(SourceDateEpochFromEnvironment(), FsOutputError);
  ::unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(SourceDateEpochFromEnvironment(), std::nullopt);
}

}  // namespace
}  // namespace tinyrange::fs_output
