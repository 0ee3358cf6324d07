#include "vmm/devices/acpi_power.h"

#include <gtest/gtest.h>

#include "vmm/arch/x86_64/layout.h"

namespace tinyrange {
namespace {

TEST(AcpiPowerTest, S5WithSleepEnablePowersOff) {
  int off = 0, reset = 0;
  AcpiPower dev([&] { ++off; }, [&] { ++reset; });
  uint8_t v = (5 << 2);  // S5 without SLP_EN does nothing
  dev.Write(0, std::span<const uint8_t>(&v, 1));
  EXPECT_EQ(off, 0);
  v = (5 << 2) | (1 << 5);
  dev.Write(0, std::span<const uint8_t>(&v, 1));
  EXPECT_EQ(off, 1);
  v = (3 << 2) | (1 << 5);  // S3 is not supported and is ignored
  dev.Write(0, std::span<const uint8_t>(&v, 1));
  EXPECT_EQ(off, 1);
  EXPECT_EQ(reset, 0);
}

TEST(AcpiPowerTest, ResetRegister) {
  int off = 0, reset = 0;
  AcpiPower dev([&] { ++off; }, [&] { ++reset; });
  uint8_t v = x86::kAcpiResetValue;
  dev.Write(x86::kAcpiResetPort - x86::kAcpiSleepControlPort, std::span<const uint8_t>(&v, 1));
  EXPECT_EQ(reset, 1);
  EXPECT_EQ(off, 0);
}

}  // namespace
}  // namespace tinyrange
