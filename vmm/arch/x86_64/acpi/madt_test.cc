#include "vmm/arch/x86_64/acpi/madt.h"

#include <gtest/gtest.h>

#include <string>

#include "vmm/arch/x86_64/acpi/sdt.h"
#include "vmm/arch/x86_64/acpi/table_reader.h"
#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {
namespace {

using testutil::MadtEntries;
using testutil::ReadLe;

std::vector<uint8_t> Madt(uint32_t cpus) {
  AcpiConfig config;
  config.cpu_count = cpus;
  return BuildMadt(config);
}

TEST(MadtTest, HeaderAndController) {
  auto madt = Madt(1);
  EXPECT_EQ(std::string(madt.begin(), madt.begin() + 4), "APIC");
  EXPECT_EQ(ReadLe(madt, 4, 4), madt.size());
  EXPECT_EQ(ByteSum(madt), 0);
  EXPECT_EQ(ReadLe(madt, 36, 4), 0xfee00000u);
  EXPECT_EQ(ReadLe(madt, 40, 4), 1u) << "PCAT_COMPAT";
}

TEST(MadtTest, OneLocalApicPerCpuAndOneIoApic) {
  auto madt = Madt(4);
  auto entries = MadtEntries(madt);
  ASSERT_EQ(entries.size(), 5u);
  for (uint32_t i = 0; i < 4; ++i) {
    ASSERT_EQ(entries[i].type, 0);
    ASSERT_EQ(entries[i].length, 8);
    EXPECT_EQ(entries[i].bytes[2], i) << "processor UID";
    EXPECT_EQ(entries[i].bytes[3], i) << "APIC ID";
    EXPECT_EQ(ReadLe(entries[i].bytes, 4, 4), 1u) << "enabled";
  }
  const auto& ioapic = entries[4];
  ASSERT_EQ(ioapic.type, 1);
  ASSERT_EQ(ioapic.length, 12);
  EXPECT_EQ(ioapic.bytes[2], 0) << "IOAPIC ID";
  EXPECT_EQ(ReadLe(ioapic.bytes, 4, 4), 0xfec00000u);
  EXPECT_EQ(ReadLe(ioapic.bytes, 8, 4), 0u) << "GSI base";
}

TEST(MadtTest, NoInterruptSourceOverrides) {
  for (const auto& e : MadtEntries(Madt(2))) EXPECT_NE(e.type, 2);
}

TEST(MadtTest, ApicIdsAbove254UseX2ApicEntries) {
  auto madt = Madt(300);
  EXPECT_EQ(ByteSum(madt), 0);
  auto entries = MadtEntries(madt);
  ASSERT_EQ(entries.size(), 301u);
  for (uint32_t id = 0; id < 300; ++id) {
    const auto& e = entries[id];
    if (id <= 254) {
      ASSERT_EQ(e.type, 0) << id;
      EXPECT_EQ(e.bytes[3], id);
    } else {
      ASSERT_EQ(e.type, 9) << id;
      ASSERT_EQ(e.length, 16);
      EXPECT_EQ(ReadLe(e.bytes, 4, 4), id) << "x2APIC ID";
      EXPECT_EQ(ReadLe(e.bytes, 8, 4), 1u) << "enabled";
      EXPECT_EQ(ReadLe(e.bytes, 12, 4), id) << "processor UID";
    }
  }
  EXPECT_EQ(entries[300].type, 1);
}

}  // namespace
}  // namespace tinyrange::acpi
