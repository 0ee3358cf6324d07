#include "vmm/devices/control_device.h"

#include <gtest/gtest.h>

#include <optional>

#include "vmm/devices/control_device_abi.h"

namespace tinyrange {
namespace {

using namespace tinyrange::control;

TEST(ControlDeviceTest, ExitStatusAndMarks) {
  std::optional<uint32_t> status;
  ControlDevice dev(std::chrono::steady_clock::now(), [&](uint32_t s) { status = s; });
  uint8_t mark[4];
  StoreLittleEndian(mark, kBootMarkInitStarted);
  dev.Write(kControlBootMarkPort - kControlPortBase, mark);
  uint8_t value[4];
  StoreLittleEndian(value, 42);
  dev.Write(kControlExitStatusPort - kControlPortBase, value);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 42u);
  auto marks = dev.boot_marks();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].code, kBootMarkInitStarted);
  EXPECT_GE(marks[0].since_start.count(), 0);
}

TEST(ControlDeviceTest, MagicReadsBack) {
  ControlDevice dev(std::chrono::steady_clock::now(), nullptr);
  uint8_t v[4];
  dev.Read(kControlMagicPort - kControlPortBase, v);
  EXPECT_EQ(LoadLittleEndian(v), kControlMagic);
}

TEST(ControlDeviceTest, MarksAreBounded) {
  ControlDevice dev(std::chrono::steady_clock::now(), nullptr);
  uint8_t v[4] = {1, 0, 0, 0};
  for (int i = 0; i < 5000; ++i) dev.Write(kControlBootMarkPort - kControlPortBase, v);
  EXPECT_LE(dev.boot_marks().size(), 1024u);
}

}  // namespace
}  // namespace tinyrange
