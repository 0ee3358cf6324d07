#include "vmm/devices/bus.h"

#include <gtest/gtest.h>

#include "vmm/vmm_error.h"

namespace tinyrange {
namespace {

class Recorder : public BusDevice {
 public:
  void Read(uint64_t offset, std::span<uint8_t> data) override {
    last_offset = offset;
    StoreLittleEndian(data, 0x0807060504030201ULL);
  }
  void Write(uint64_t offset, std::span<const uint8_t> data) override {
    last_offset = offset;
    last_value = LoadLittleEndian(data);
  }
  uint64_t last_offset = ~0ULL;
  uint64_t last_value = 0;
};

TEST(BusTest, DispatchesByRangeWithRelativeOffsets) {
  Bus bus("test bus");
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  bus.Register(0x100, 0x10, a);
  bus.Register(0x200, 0x10, b);
  uint8_t data[4] = {0xaa, 0xbb, 0xcc, 0xdd};
  EXPECT_TRUE(bus.Write(0x204, data));
  EXPECT_EQ(b->last_offset, 4u);
  EXPECT_EQ(b->last_value, 0xddccbbaau);
  uint8_t out[2];
  EXPECT_TRUE(bus.Read(0x10e, out));
  EXPECT_EQ(a->last_offset, 0xeu);
  EXPECT_EQ(out[0], 0x01);
  EXPECT_EQ(out[1], 0x02);
}

TEST(BusTest, UnclaimedReadsAreAllOnesAndWritesVanish) {
  Bus bus("test bus");
  auto a = std::make_shared<Recorder>();
  bus.Register(0x100, 0x10, a);
  uint8_t out[4] = {};
  EXPECT_FALSE(bus.Read(0x50, out));
  for (uint8_t b : out) EXPECT_EQ(b, 0xff);
  EXPECT_FALSE(bus.Write(0x110, out));
  // An access straddling the end of a device goes nowhere.
  EXPECT_FALSE(bus.Read(0x10e, out));
  EXPECT_EQ(a->last_offset, ~0ULL);
}

TEST(BusTest, RejectsOverlapsAndEmptyRanges) {
  Bus bus("test bus");
  bus.Register(0x100, 0x10, std::make_shared<Recorder>());
  EXPECT_THROW(bus.Register(0x10f, 1, std::make_shared<Recorder>()), VmmError);
  EXPECT_THROW(bus.Register(0xf0, 0x11, std::make_shared<Recorder>()), VmmError);
  EXPECT_THROW(bus.Register(0x300, 0, std::make_shared<Recorder>()), VmmError);
  EXPECT_THROW(bus.Register(~0ULL, 2, std::make_shared<Recorder>()), VmmError);
  bus.Register(0x110, 1, std::make_shared<Recorder>());  // adjacent is fine
}

}  // namespace
}  // namespace tinyrange
