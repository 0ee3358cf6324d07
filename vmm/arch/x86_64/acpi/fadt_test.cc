#include "vmm/arch/x86_64/acpi/fadt.h"

#include <gtest/gtest.h>

#include <string>

#include "vmm/arch/x86_64/acpi/sdt.h"
#include "vmm/arch/x86_64/acpi/table_reader.h"
#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {
namespace {

using testutil::ReadLe;

// Field offsets from the ACPI 6.x FADT format table, written out here
// rather than taken from the builder so that a layout slip shows up.
constexpr size_t kFirmwareCtrl = 36;
constexpr size_t kDsdt = 40;
constexpr size_t kSciInt = 46;
constexpr size_t kIapcBootArch = 109;
constexpr size_t kFlags = 112;
constexpr size_t kResetReg = 116;
constexpr size_t kResetValue = 128;
constexpr size_t kMinorVersion = 131;
constexpr size_t kXDsdt = 140;
constexpr size_t kSleepControlReg = 244;
constexpr size_t kSleepStatusReg = 256;
constexpr size_t kHypervisorVendor = 268;

void ExpectIoByteRegister(const std::vector<uint8_t>& fadt, size_t offset, uint16_t port) {
  EXPECT_EQ(fadt[offset + 0], 1) << "address space: system I/O";
  EXPECT_EQ(fadt[offset + 1], 8) << "register bit width";
  EXPECT_EQ(fadt[offset + 2], 0) << "register bit offset";
  EXPECT_EQ(fadt[offset + 3], 1) << "access size: byte";
  EXPECT_EQ(ReadLe(fadt, offset + 4, 8), port);
}

TEST(FadtTest, HeaderAndChecksum) {
  auto fadt = BuildFadt(AcpiConfig{}, 0xe0400);
  ASSERT_EQ(fadt.size(), 276u);
  EXPECT_EQ(std::string(fadt.begin(), fadt.begin() + 4), "FACP");
  EXPECT_EQ(ReadLe(fadt, 4, 4), 276u);
  EXPECT_EQ(fadt[8], 6) << "major revision";
  EXPECT_EQ(fadt[kMinorVersion] & 0x0f, 5) << "minor revision";
  EXPECT_EQ(ByteSum(fadt), 0);
  EXPECT_EQ(std::string(fadt.begin() + 10, fadt.begin() + 16), "TNYRNG");
  EXPECT_EQ(std::string(fadt.begin() + 16, fadt.begin() + 24), "TNYRANGE");
  EXPECT_EQ(std::string(fadt.begin() + kHypervisorVendor, fadt.end()), "TNYRANGE");
}

TEST(FadtTest, HardwareReducedWithPowerOffAndReset) {
  auto fadt = BuildFadt(AcpiConfig{}, 0xe0400);
  uint32_t flags = static_cast<uint32_t>(ReadLe(fadt, kFlags, 4));
  EXPECT_EQ(flags, (1u << 20) | (1u << 4) | (1u << 5) | (1u << 10));
  EXPECT_EQ(ReadLe(fadt, kFirmwareCtrl, 4), 0u);
  EXPECT_EQ(ReadLe(fadt, kSciInt, 2), 0u);
  ExpectIoByteRegister(fadt, kResetReg, 0x602);
  EXPECT_EQ(fadt[kResetValue], x86::kAcpiResetValue);
  ExpectIoByteRegister(fadt, kSleepControlReg, 0x600);
  ExpectIoByteRegister(fadt, kSleepStatusReg, 0x601);
  // No PM1, PM2, PM timer or GPE blocks, 32- or 64-bit.
  for (size_t off = 56; off < 88; ++off) EXPECT_EQ(fadt[off], 0) << off;
  for (size_t off = 148; off < 244; ++off) EXPECT_EQ(fadt[off], 0) << off;
}

TEST(FadtTest, PointsAtTheDsdtBothWays) {
  auto fadt = BuildFadt(AcpiConfig{}, 0xe0450);
  EXPECT_EQ(ReadLe(fadt, kXDsdt, 8), 0xe0450u);
  EXPECT_EQ(ReadLe(fadt, kDsdt, 4), 0xe0450u);
}

TEST(FadtTest, BootArchFollowsTheDevices) {
  AcpiConfig config;
  auto with = BuildFadt(config, 0xe0400);
  EXPECT_EQ(ReadLe(with, kIapcBootArch, 2), 0x01u | 0x02u | 0x04u | 0x20u);
  config.i8042 = false;
  auto without_8042 = BuildFadt(config, 0xe0400);
  EXPECT_EQ(ReadLe(without_8042, kIapcBootArch, 2), 0x01u | 0x04u | 0x20u);
  config.serial = false;
  auto bare = BuildFadt(config, 0xe0400);
  EXPECT_EQ(ReadLe(bare, kIapcBootArch, 2), 0x04u | 0x20u);
  EXPECT_EQ(ByteSum(bare), 0);
}

TEST(FadtTest, OemIdIsSpacePadded) {
  AcpiConfig config;
  config.oem_id = "AB";
  auto fadt = BuildFadt(config, 0xe0400);
  EXPECT_EQ(std::string(fadt.begin() + 10, fadt.begin() + 16), "AB    ");
}

}  // namespace
}  // namespace tinyrange::acpi
