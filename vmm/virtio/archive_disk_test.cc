#include "vmm/virtio/archive_disk.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

class ArchiveDiskTest : public ::testing::Test {
 protected:
  std::string Make(const std::string& name, const std::string& content) {
    std::string path = ::testing::TempDir() + "/archive_disk_" + std::to_string(getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary) << content;
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& p : paths_) std::remove(p.c_str());
  }
  // Reads [offset, offset+n) through two iovecs split at `split`.
  std::string ReadAt(ArchiveDisk& disk, uint64_t offset, size_t n, size_t split) {
    std::string a(split, '?'), b(n - split, '?');
    iovec iov[2] = {{a.data(), a.size()}, {b.data(), b.size()}};
    EXPECT_TRUE(disk.Read(offset, iov));
    return a + b;
  }
  std::vector<std::string> paths_;
};

TEST_F(ArchiveDiskTest, LaysOutHeaderAndAlignedFiles) {
  std::string one(5000, '1'), two = "second";
  ArchiveDiskPart p1{Make("one", one), {}}, p2{Make("two", two), {}};
  p2.sha256[0] = 0xab;
  auto disk = ArchiveDisk::Open({p1, p2});
  // Header page, file one (2 pages), file two (1 page).
  EXPECT_EQ(disk->size_bytes(), 4096u * 4);
  std::string header = ReadAt(*disk, 0, 4096, 100);
  EXPECT_EQ(header.substr(0, 8), "TRARCHV1");
  uint32_t version, count;
  uint64_t data_offset, off1, size1, off2, size2;
  std::memcpy(&version, header.data() + 8, 4);
  std::memcpy(&count, header.data() + 12, 4);
  std::memcpy(&data_offset, header.data() + 16, 8);
  std::memcpy(&off1, header.data() + 24, 8);
  std::memcpy(&size1, header.data() + 32, 8);
  std::memcpy(&off2, header.data() + 24 + 64, 8);
  std::memcpy(&size2, header.data() + 32 + 64, 8);
  EXPECT_EQ(version, 1u);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(data_offset, 4096u);
  EXPECT_EQ(off1, 4096u);
  EXPECT_EQ(size1, 5000u);
  EXPECT_EQ(off2, 3 * 4096u);
  EXPECT_EQ(size2, 6u);
  EXPECT_EQ(static_cast<uint8_t>(header[24 + 64 + 16]), 0xab);
  // A read across the end of file one, its padding and file two.
  const uint64_t start = 4096 + 4990, end = 3 * 4096 + 6;
  const size_t padding = 3 * 4096 - (4096 + 5000);
  std::string across = ReadAt(*disk, start, end - start, 7);
  EXPECT_EQ(across.substr(0, 10), std::string(10, '1'));
  EXPECT_EQ(across.substr(10, padding), std::string(padding, '\0'));
  EXPECT_EQ(across.substr(10 + padding), "second");
}

TEST_F(ArchiveDiskTest, RangesBeyondTheEndFail) {
  auto disk = ArchiveDisk::Open({{Make("x", "x"), {}}});
  std::string buf(8, 0);
  iovec iov{buf.data(), buf.size()};
  EXPECT_FALSE(disk->Read(disk->size_bytes() - 4, std::span<const iovec>(&iov, 1)));
  EXPECT_FALSE(disk->Write(0, std::span<const iovec>(&iov, 1)));
  EXPECT_TRUE(disk->read_only());
}

TEST_F(ArchiveDiskTest, EmptyDiskIsJustTheHeader) {
  auto disk = ArchiveDisk::Open({});
  EXPECT_EQ(disk->size_bytes(), 4096u);
}

TEST_F(ArchiveDiskTest, MissingFileIsNamed) {
  try {
    ArchiveDisk::Open({{"/nonexistent/a.tar", {}}});
    FAIL();
  } catch (const VmmError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/a.tar"), std::string::npos);
  }
}

}  // namespace
}  // namespace tinyrange::virtio
