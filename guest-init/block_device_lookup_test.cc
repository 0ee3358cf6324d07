#include "guest-init/block_device_lookup.h"

#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "guest-init/test_archives.h"

namespace tinyrange {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class BlockDeviceLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sys_ = dir_.path() + "/sys/block";
    dev_ = dir_.path() + "/dev";
    fs::create_directories(sys_ + "/vda");  // no serial file
    fs::create_directories(sys_ + "/vdb");
    fs::create_directories(sys_ + "/vdc");
    fs::create_directories(sys_ + "/loop0");
    fs::create_directories(dev_);
    testing::WriteFile(sys_ + "/vdb/serial", "tr-archives\n");
    testing::WriteFile(sys_ + "/vdc/serial", "tr-archives-2\n");
    testing::WriteFile(sys_ + "/loop0/serial", "");
    testing::WriteFile(dev_ + "/vdb", "disk bytes");
  }
  testing::TempDir dir_;
  std::string sys_, dev_;
};

TEST_F(BlockDeviceLookupTest, FindsTheDeviceBySerial) {
  char name[32];
  ASSERT_EQ(FindBlockDeviceBySerial(sys_.c_str(), "tr-archives", name, sizeof name), 0);
  EXPECT_STREQ(name, "vdb");
  ASSERT_EQ(FindBlockDeviceBySerial(sys_.c_str(), "tr-archives-2", name, sizeof name), 0);
  EXPECT_STREQ(name, "vdc");
  EXPECT_EQ(FindBlockDeviceBySerial(sys_.c_str(), "tr-arch", name, sizeof name), ENOENT);
  EXPECT_EQ(FindBlockDeviceBySerial(sys_.c_str(), "", name, sizeof name), ENOENT);
  EXPECT_EQ(FindBlockDeviceBySerial((dir_.path() + "/none").c_str(), "x", name, sizeof name),
            ENOENT);
  EXPECT_EQ(FindBlockDeviceBySerial(sys_.c_str(), "tr-archives", name, 3), ENAMETOOLONG);
}

TEST_F(BlockDeviceLookupTest, OpensTheDeviceNode) {
  char error[256] = "";
  int fd = OpenDiskBySerialIn(sys_.c_str(), dev_.c_str(), "tr-archives", O_RDONLY, 0, error,
                              sizeof error);
  ASSERT_GE(fd, 0) << error;
  char buf[16] = {};
  EXPECT_EQ(read(fd, buf, sizeof buf), 10);
  close(fd);
}

TEST_F(BlockDeviceLookupTest, MissingDiskIsNamedAfterWaiting) {
  char error[256] = "";
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(
      OpenDiskBySerialIn(sys_.c_str(), dev_.c_str(), "nope", O_RDONLY, 100, error, sizeof error),
      -1);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  EXPECT_THAT(error, HasSubstr("no virtio-blk disk with serial \"nope\""));
  // Listed in sysfs but without a device node (vdc): also waited for, then named.
  EXPECT_EQ(OpenDiskBySerialIn(sys_.c_str(), dev_.c_str(), "tr-archives-2", O_RDONLY, 40, error,
                               sizeof error),
            -1);
  EXPECT_THAT(error, HasSubstr("tr-archives-2"));
}

}  // namespace
}  // namespace tinyrange
