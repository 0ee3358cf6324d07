#include "guest-init/output_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "guest-init/output_format.h"

namespace tinyrange {
namespace {

class OutputWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tr-output-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  int MakeDisk(uint64_t size) {
    int fd = open((dir_ + "/disk").c_str(), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
    return fd;
  }
  void WriteFile(const std::string& name, const std::string& data) {
    int fd = open((dir_ + "/" + name).c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    close(fd);
  }
  struct Header {
    std::string magic;
    uint32_t version, status;
    uint64_t length;
  };
  Header ReadHeader(int fd) {
    unsigned char h[24];
    EXPECT_EQ(pread(fd, h, sizeof h, 0), 24);
    Header header{std::string(reinterpret_cast<char*>(h), 8), 0, 0, 0};
    std::memcpy(&header.version, h + 8, 4);
    std::memcpy(&header.status, h + 12, 4);
    std::memcpy(&header.length, h + 16, 8);
    return header;
  }

  std::string dir_;
};

TEST_F(OutputWriterTest, FileFollowsTheHeader) {
  std::string data(100000, 'x');
  data[99999] = 'y';
  WriteFile("out.bin", data);
  int disk = MakeDisk(1 << 20);
  ASSERT_EQ(WriteOutputFile((dir_ + "/out.bin").c_str(), disk), 0);
  Header h = ReadHeader(disk);
  EXPECT_EQ(h.magic, "TROUTP01");
  EXPECT_EQ(h.version, 1u);
  EXPECT_EQ(h.status, static_cast<uint32_t>(OutputStatus::kComplete));
  EXPECT_EQ(h.length, data.size());
  std::string back(data.size(), '\0');
  ASSERT_EQ(pread(disk, back.data(), back.size(), kOutputHeaderSize), static_cast<ssize_t>(back.size()));
  EXPECT_EQ(back, data);
  close(disk);
}

TEST_F(OutputWriterTest, MissingAndTooLargeAreReportedInTheHeader) {
  int disk = MakeDisk(8192);
  ASSERT_EQ(WriteOutputFile((dir_ + "/absent").c_str(), disk), 0);
  EXPECT_EQ(ReadHeader(disk).status, static_cast<uint32_t>(OutputStatus::kMissing));
  WriteFile("big", std::string(5000, 'b'));
  ASSERT_EQ(WriteOutputFile((dir_ + "/big").c_str(), disk), 0);
  Header h = ReadHeader(disk);
  EXPECT_EQ(h.status, static_cast<uint32_t>(OutputStatus::kTooLarge));
  EXPECT_EQ(h.length, 0u);
  // A directory is not a file to hand back.
  ASSERT_EQ(WriteOutputFile(dir_.c_str(), disk), 0);
  EXPECT_EQ(ReadHeader(disk).status, static_cast<uint32_t>(OutputStatus::kMissing));
  close(disk);
}

}  // namespace
}  // namespace tinyrange
