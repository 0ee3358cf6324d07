#include "vmm/virtio/fs/inode_table.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

namespace tinyrange::virtio::fs {
namespace {

ScopedFd OpenPath(const char* path) { return ScopedFd(open(path, O_PATH | O_CLOEXEC)); }

TEST(InodeTableTest, CountsLookupsPerInodeAndNeverReusesIds) {
  InodeTable table(OpenPath("/"), 1, 1);
  uint64_t a = table.AddLookup(OpenPath("/"), 5, 100, S_IFREG);
  EXPECT_EQ(table.AddLookup(OpenPath("/"), 5, 100, S_IFREG), a);  // same inode, same id
  uint64_t b = table.AddLookup(OpenPath("/"), 6, 100, S_IFDIR);  // same number, other device
  EXPECT_NE(a, b);
  EXPECT_EQ(table.size(), 3u);
  table.Forget(a, 1);
  ASSERT_NE(table.Find(a), nullptr);
  EXPECT_EQ(table.Find(a)->lookups, 1u);
  table.Forget(a, 5);  // more than counted: gone, not negative
  EXPECT_EQ(table.Find(a), nullptr);
  uint64_t again = table.AddLookup(OpenPath("/"), 5, 100, S_IFREG);
  EXPECT_NE(again, a);
  EXPECT_GT(again, b);
}

TEST(InodeTableTest, TheRootStays) {
  InodeTable table(OpenPath("/"), 1, 1);
  table.Forget(InodeTable::kRootId, 100);
  ASSERT_NE(table.Find(InodeTable::kRootId), nullptr);
  EXPECT_EQ(table.Find(InodeTable::kRootId)->type, static_cast<mode_t>(S_IFDIR));
  uint64_t a = table.AddLookup(OpenPath("/"), 5, 100, S_IFREG);
  table.Clear();
  EXPECT_EQ(table.Find(a), nullptr);
  EXPECT_NE(table.Find(InodeTable::kRootId), nullptr);
  EXPECT_EQ(table.AddLookup(OpenPath("/"), 1, 1, S_IFDIR), InodeTable::kRootId);  // looked up by name again
}

}  // namespace
}  // namespace tinyrange::virtio::fs
