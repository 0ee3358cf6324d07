#include "vmm/virtio/block.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "vmm/virtio/test_driver.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

using testing::TestDriver;
using Part = TestDriver::Part;

std::vector<uint8_t> Header(uint32_t type, uint64_t sector) {
  std::vector<uint8_t> h(16, 0);
  std::memcpy(h.data(), &type, 4);
  std::memcpy(h.data() + 8, &sector, 8);
  return h;
}

class VirtioBlockTest : public ::testing::Test {
 protected:
  void Open(bool read_only, uint64_t size = 64 * 1024) {
    path_ = ::testing::TempDir() + "/virtio_block_test_" + std::to_string(getpid()) + ".img";
    std::string content(size, '\0');
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i / 512);
    std::ofstream(path_, std::ios::binary) << content;
    auto device = VirtioBlock::Open({path_, read_only, "disk-id-0123", {}}, &memory);
    block_ = device.get();
    transport_ = std::make_unique<VirtioMmioTransport>(std::move(device), &memory, nullptr);
    driver_ = std::make_unique<TestDriver>(transport_.get(), &memory);
    ASSERT_TRUE(driver_->Start());
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string FileBytes(uint64_t offset, size_t n) {
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string s(n, '\0');
    in.read(s.data(), static_cast<std::streamsize>(n));
    return s;
  }

  GuestMemory memory = GuestMemory::CreateX86(8 << 20);
  std::string path_;
  VirtioBlock* block_ = nullptr;
  std::unique_ptr<VirtioMmioTransport> transport_;
  std::unique_ptr<TestDriver> driver_;
};

TEST_F(VirtioBlockTest, ConfigReportsCapacity) {
  Open(false);
  uint8_t cap[8];
  transport_->Read(0x100, cap);
  EXPECT_EQ(LoadLittleEndian(cap), 128u);
  uint64_t features = driver_->Features();
  EXPECT_TRUE(features & kBlockFeatureFlush);
  EXPECT_FALSE(features & kBlockFeatureReadOnly);
  EXPECT_TRUE(features & kBlockFeatureDiscard);
}

TEST_F(VirtioBlockTest, ReadsSectorsIntoSplitBuffers) {
  Open(false);
  // Header split over two descriptors, data over two, status alone.
  auto h = Header(kBlockRequestIn, 3);
  std::vector<Part> parts = {{{h.begin(), h.begin() + 5}, false},
                             {{h.begin() + 5, h.end()}, false},
                             {std::vector<uint8_t>(700, 0xee), true},
                             {std::vector<uint8_t>(324, 0xee), true},
                             {{0xff}, true}};
  EXPECT_EQ(driver_->Submit(parts), 1025u);
  EXPECT_EQ(parts[4].bytes[0], kBlockStatusOk);
  EXPECT_EQ(parts[2].bytes[0], 3);    // sector 3 is filled with 3
  EXPECT_EQ(parts[2].bytes[600], 4);  // sector 4 starts at byte 512
  EXPECT_EQ(parts[3].bytes[323], 4);
}

TEST_F(VirtioBlockTest, WritesReachTheFile) {
  Open(false);
  std::vector<Part> parts = {{Header(kBlockRequestOut, 10), false},
                             {std::vector<uint8_t>(512, 'w'), false},
                             {{0xff}, true}};
  EXPECT_EQ(driver_->Submit(parts), 1u);
  EXPECT_EQ(parts[2].bytes[0], kBlockStatusOk);
  EXPECT_EQ(FileBytes(10 * 512, 512), std::string(512, 'w'));
  std::vector<Part> flush = {{Header(kBlockRequestFlush, 0), false}, {{0xff}, true}};
  driver_->Submit(flush);
  EXPECT_EQ(flush[1].bytes[0], kBlockStatusOk);
}

TEST_F(VirtioBlockTest, OutOfRangeAndUnalignedAreIoErrors) {
  Open(false);
  std::vector<Part> beyond = {{Header(kBlockRequestIn, 127), false},
                              {std::vector<uint8_t>(1024), true},
                              {{0xff}, true}};
  driver_->Submit(beyond);
  EXPECT_EQ(beyond[2].bytes[0], kBlockStatusIoError);
  std::vector<Part> huge = {{Header(kBlockRequestIn, ~0ULL - 1), false},
                            {std::vector<uint8_t>(512), true},
                            {{0xff}, true}};
  driver_->Submit(huge);
  EXPECT_EQ(huge[2].bytes[0], kBlockStatusIoError);
  std::vector<Part> odd = {{Header(kBlockRequestIn, 0), false}, {std::vector<uint8_t>(100), true}, {{0xff}, true}};
  driver_->Submit(odd);
  EXPECT_EQ(odd[2].bytes[0], kBlockStatusIoError);
}

TEST_F(VirtioBlockTest, ReadOnlyDiskRefusesWrites) {
  Open(true);
  EXPECT_TRUE(driver_->Features() & kBlockFeatureReadOnly);
  std::vector<Part> parts = {{Header(kBlockRequestOut, 0), false},
                             {std::vector<uint8_t>(512, 'w'), false},
                             {{0xff}, true}};
  driver_->Submit(parts);
  EXPECT_EQ(parts[2].bytes[0], kBlockStatusIoError);
  EXPECT_EQ(FileBytes(0, 1), std::string(1, '\0'));
}

TEST_F(VirtioBlockTest, GetIdAndUnknownRequests) {
  Open(false);
  std::vector<Part> id = {{Header(kBlockRequestGetId, 0), false}, {std::vector<uint8_t>(20), true}, {{0xff}, true}};
  EXPECT_EQ(driver_->Submit(id), 21u);
  EXPECT_EQ(std::string(id[1].bytes.begin(), id[1].bytes.begin() + 12), "disk-id-0123");
  EXPECT_EQ(id[2].bytes[0], kBlockStatusOk);
  std::vector<Part> unknown = {{Header(99, 0), false}, {{0xff}, true}};
  driver_->Submit(unknown);
  EXPECT_EQ(unknown[1].bytes[0], kBlockStatusUnsupported);
  std::vector<Part> short_header = {{{1, 2, 3}, false}, {{0xff}, true}};
  driver_->Submit(short_header);
  EXPECT_EQ(short_header[1].bytes[0], kBlockStatusIoError);
}

TEST_F(VirtioBlockTest, WriteZeroesAndDiscard) {
  Open(false);
  std::vector<uint8_t> segment(16, 0);
  uint64_t sector = 20;
  uint32_t count = 2;
  std::memcpy(segment.data(), &sector, 8);
  std::memcpy(segment.data() + 8, &count, 4);
  std::vector<Part> zero = {{Header(kBlockRequestWriteZeroes, 0), false}, {segment, false}, {{0xff}, true}};
  driver_->Submit(zero);
  EXPECT_EQ(zero[2].bytes[0], kBlockStatusOk);
  EXPECT_EQ(FileBytes(20 * 512, 1024), std::string(1024, '\0'));
  EXPECT_EQ(FileBytes(22 * 512, 1), std::string(1, '\x16'));
  std::vector<Part> discard = {{Header(kBlockRequestDiscard, 0), false}, {segment, false}, {{0xff}, true}};
  driver_->Submit(discard);
  EXPECT_EQ(discard[2].bytes[0], kBlockStatusOk);
}

TEST(VirtioBlockOpenTest, MissingFileIsAClearError) {
  GuestMemory memory = GuestMemory::CreateX86(4 << 20);
  try {
    VirtioBlock::Open({"/nonexistent/disk.img", false, "", {}}, &memory);
    FAIL();
  } catch (const VmmError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/disk.img"), std::string::npos);
  }
}

}  // namespace
}  // namespace tinyrange::virtio
