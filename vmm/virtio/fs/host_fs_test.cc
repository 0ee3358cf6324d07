#include "vmm/virtio/fs/host_fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "vmm/scoped_fd.h"

namespace tinyrange::virtio::fs {
namespace {

class HostFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/host_fs_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    ASSERT_EQ(mkdir((root_ + "/share").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((root_ + "/share/sub").c_str(), 0755), 0);
    ASSERT_EQ(symlink("/", (root_ + "/share/up").c_str()), 0);
    share_.Reset(open((root_ + "/share").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
  ScopedFd share_;
};

TEST_F(HostFsTest, OpenBeneathStaysBeneathAndFollowsNoSymlink) {
  EXPECT_EQ(OpenBeneath(share_.get(), "..", O_PATH, 0), -EXDEV);
  EXPECT_EQ(OpenBeneath(share_.get(), "/etc", O_PATH, 0), -EXDEV);
  EXPECT_EQ(OpenBeneath(share_.get(), "up/etc", O_PATH, 0), -ELOOP);
  EXPECT_EQ(OpenBeneath(share_.get(), "up", O_RDONLY, 0), -ELOOP);
  int link = OpenBeneath(share_.get(), "up", O_PATH | O_NOFOLLOW, 0);
  ASSERT_GE(link, 0);  // the link itself, for READLINK
  struct stat st;
  ASSERT_EQ(fstat(link, &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  close(link);
  int sub = OpenBeneath(share_.get(), "sub", O_PATH, 0);
  ASSERT_GE(sub, 0);
  EXPECT_TRUE(IsInside(sub, share_.get()));
  EXPECT_TRUE(IsInside(share_.get(), share_.get()));
  ASSERT_EQ(rename((root_ + "/share/sub").c_str(), (root_ + "/sub").c_str()), 0);
  EXPECT_FALSE(IsInside(sub, share_.get()));
  close(sub);
}

TEST_F(HostFsTest, ASiblingWithTheSamePrefixIsNotInside) {
  ASSERT_EQ(mkdir((root_ + "/share2").c_str(), 0755), 0);
  ScopedFd sibling(open((root_ + "/share2").c_str(), O_PATH | O_CLOEXEC));
  EXPECT_FALSE(IsInside(sibling.get(), share_.get()));
}

}  // namespace
}  // namespace tinyrange::virtio::fs
