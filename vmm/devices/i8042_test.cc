#include "vmm/devices/i8042.h"

#include <gtest/gtest.h>

namespace tinyrange {
namespace {

class I8042Test : public ::testing::Test {
 protected:
  uint8_t In(uint64_t offset) {
    uint8_t v = 0;
    dev.Read(offset, std::span<uint8_t>(&v, 1));
    return v;
  }
  void Out(uint64_t offset, uint8_t v) { dev.Write(offset, std::span<const uint8_t>(&v, 1)); }
  int resets = 0;
  I8042 dev{nullptr, [this] { ++resets; }};
};

TEST_F(I8042Test, PulseResetLineEndsTheMachine) {
  EXPECT_EQ(In(4) & 0x02, 0);  // input buffer empty: the guest may write
  Out(4, 0xfe);
  EXPECT_EQ(resets, 1);
}

TEST_F(I8042Test, OutputPortWithResetBitLowResets) {
  Out(4, 0xd1);
  Out(0, 0xfe);  // bit 0 low
  EXPECT_EQ(resets, 1);
}

TEST_F(I8042Test, SelfTestAndControlByte) {
  Out(4, 0xaa);
  EXPECT_EQ(In(4) & 0x01, 1);
  EXPECT_EQ(In(0), 0x55);
  Out(4, 0x60);
  Out(0, 0x45);
  Out(4, 0x20);
  EXPECT_EQ(In(0), 0x45);
  EXPECT_EQ(resets, 0);
}

TEST_F(I8042Test, KeyboardCommandsAreAcknowledged) {
  Out(0, 0xf2);
  EXPECT_EQ(In(0), 0xfa);
  EXPECT_EQ(In(0), 0xab);
  EXPECT_EQ(In(0), 0x83);
  EXPECT_EQ(In(4) & 0x01, 0);
}

}  // namespace
}  // namespace tinyrange
