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
  DeviceClass Disks() const { return {sys_.c_str(), "serial", dev_.c_str(), kVirtioDisks.noun}; }
  testing::TempDir dir_;
  std::string sys_, dev_;
};

TEST_F(BlockDeviceLookupTest, FindsTheDeviceBySerial) {
  char name[32];
  ASSERT_EQ(FindDevice(Disks(), "tr-archives", name, sizeof name), 0);
  EXPECT_STREQ(name, "vdb");
  ASSERT_EQ(FindDevice(Disks(), "tr-archives-2", name, sizeof name), 0);
  EXPECT_STREQ(name, "vdc");
  EXPECT_EQ(FindDevice(Disks(), "tr-arch", name, sizeof name), ENOENT);
  EXPECT_EQ(FindDevice(Disks(), "", name, sizeof name), ENOENT);
  EXPECT_EQ(FindDevice({"/nonexistent/sys", "serial", "/dev", ""}, "x", name, sizeof name),
            ENOENT);
  EXPECT_EQ(FindDevice(Disks(), "tr-archives", name, 3), ENAMETOOLONG);
}

TEST_F(BlockDeviceLookupTest, OpensTheDeviceNode) {
  char error[256] = "";
  int fd = OpenDevice(Disks(), "tr-archives", O_RDONLY, 0, error,
                              sizeof error);
  ASSERT_GE(fd, 0) << error;
  char buf[16] = {};
  EXPECT_EQ(read(fd, buf, sizeof buf), 10);
  close(fd);
}

TEST_F(BlockDeviceLookupTest, WaitsForTheNodeAndGivesItsPath) {
  char path[256] = "";
  char error[256] = "";
  ASSERT_EQ(WaitForDevice(Disks(), "tr-archives", 0, path, sizeof path, error, sizeof error), 0) << error;
  EXPECT_EQ(std::string(path), dev_ + "/vdb");
  // Listed in sysfs but without a device node: not there yet.
  EXPECT_EQ(WaitForDevice(Disks(), "tr-archives-2", 20, path, sizeof path, error, sizeof error), -1);
  EXPECT_THAT(error, HasSubstr("tr-archives-2"));
  EXPECT_EQ(WaitForDevice(Disks(), "tr-archives", 0, path, 4, error, sizeof error), -1);
  EXPECT_THAT(error, HasSubstr("File name too long"));
}

TEST_F(BlockDeviceLookupTest, MissingDiskIsNamedAfterWaiting) {
  char error[256] = "";
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(
      OpenDevice(Disks(), "nope", O_RDONLY, 100, error, sizeof error),
      -1);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  EXPECT_THAT(error, HasSubstr("no virtio-blk disk with serial \"nope\""));
  // Listed in sysfs but without a device node (vdc): also waited for, then named.
  EXPECT_EQ(OpenDevice(Disks(), "tr-archives-2", O_RDONLY, 40, error,
                               sizeof error),
            -1);
  EXPECT_THAT(error, HasSubstr("tr-archives-2"));
}

// A virtio-console port's name, as Linux shows it, with the node under /dev.
TEST_F(BlockDeviceLookupTest, FindsAPortByName) {
  std::string ports = dir_.path() + "/sys/class/virtio-ports";
  fs::create_directories(ports + "/vport0p0");
  fs::create_directories(ports + "/vport1p0");
  testing::WriteFile(ports + "/vport1p0/name", "tinyrange.stdin\n");
  testing::WriteFile(dev_ + "/vport1p0", "port bytes");
  DeviceClass classes = {ports.c_str(), "name", dev_.c_str(), kVirtioPorts.noun};
  char error[256] = "";
  int fd = OpenDevice(classes, "tinyrange.stdin", O_RDONLY, 0, error, sizeof error);
  ASSERT_GE(fd, 0) << error;
  close(fd);
  EXPECT_EQ(OpenDevice(classes, "other", O_RDONLY, 0, error, sizeof error), -1);
  EXPECT_THAT(error, HasSubstr("no virtio input port named \"other\""));
}

}  // namespace
}  // namespace tinyrange
