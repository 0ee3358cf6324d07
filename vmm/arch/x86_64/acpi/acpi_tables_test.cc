#include "vmm/arch/x86_64/acpi/acpi_tables.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "vmm/arch/x86_64/acpi/sdt.h"
#include "vmm/arch/x86_64/acpi/table_reader.h"
#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {
namespace {

using ::testing::HasSubstr;
using testutil::MadtEntries;
using testutil::ReadLe;
using testutil::TableReader;

// The i-th GSI a VMM can give a virtio slot: 5 upwards, skipping the
// reserved legacy lines, then the free low lines.

using testutil::Config;

size_t Count(std::span<const uint8_t> haystack, std::string_view needle) {
  size_t n = 0;
  auto it = haystack.begin();
  while ((it = std::search(it, haystack.end(), needle.begin(), needle.end())) != haystack.end()) {
    ++n;
    ++it;
  }
  return n;
}

class AcpiTablesTest : public ::testing::TestWithParam<std::pair<uint32_t, uint32_t>> {};

TEST_P(AcpiTablesTest, RsdpIsValidAndFirst) {
  auto [cpus, slots] = GetParam();
  AcpiTables tables = BuildAcpiTables(Config(cpus, slots));
  EXPECT_EQ(tables.address, x86::kAcpiTablesStart);
  EXPECT_EQ(tables.rsdp_address, x86::kAcpiTablesStart);
  TableReader reader(tables);
  auto rsdp = reader.Rsdp();
  ASSERT_EQ(rsdp.size(), 36u);
  EXPECT_EQ(std::string(rsdp.begin(), rsdp.begin() + 8), "RSD PTR ");
  EXPECT_EQ(ByteSum(rsdp.first(20)), 0) << "ACPI 1.0 checksum";
  EXPECT_EQ(ByteSum(rsdp), 0) << "extended checksum";
  EXPECT_EQ(rsdp[15], 2) << "revision";
  EXPECT_EQ(ReadLe(rsdp, 20, 4), 36u) << "length";
  EXPECT_EQ(std::string(rsdp.begin() + 9, rsdp.begin() + 15), "TNYRNG");
  EXPECT_EQ(reader.SignatureAt(ReadLe(rsdp, 24, 8)), "XSDT");
}

TEST_P(AcpiTablesTest, EveryTableIsReachableAlignedAndChecksummed) {
  auto [cpus, slots] = GetParam();
  AcpiTables tables = BuildAcpiTables(Config(cpus, slots));
  TableReader reader(tables);
  auto all = reader.AllTables();
  std::vector<std::string> signatures;
  for (const auto& t : all) {
    ASSERT_GE(t.bytes.size(), 36u);
    std::string sig(t.bytes.begin(), t.bytes.begin() + 4);
    signatures.push_back(sig);
    EXPECT_EQ(t.address % 16, 0u) << sig;
    EXPECT_EQ(ByteSum(t.bytes), 0) << sig << " checksum";
    EXPECT_EQ(std::string(t.bytes.begin() + 10, t.bytes.begin() + 16), "TNYRNG") << sig;
    EXPECT_EQ(std::string(t.bytes.begin() + 16, t.bytes.begin() + 24), "TNYRANGE") << sig;
    EXPECT_EQ(std::string(t.bytes.begin() + 28, t.bytes.begin() + 32), "TNYR") << sig;
  }
  EXPECT_EQ(signatures, (std::vector<std::string>{"XSDT", "FACP", "DSDT", "APIC"}));
  // The tables do not overlap.
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.address < b.address; });
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i].address, all[i - 1].address + all[i - 1].bytes.size());
  EXPECT_GE(all.front().address, tables.rsdp_address + 36);
  EXPECT_LE(tables.address + tables.bytes.size(), x86::kAcpiTablesEnd);
}

TEST_P(AcpiTablesTest, FadtPointsAtTheDsdt) {
  auto [cpus, slots] = GetParam();
  AcpiTables tables = BuildAcpiTables(Config(cpus, slots));
  TableReader reader(tables);
  auto fadt = reader.Find("FACP");
  ASSERT_EQ(fadt.size(), 276u);
  EXPECT_EQ(reader.SignatureAt(ReadLe(fadt, 140, 8)), "DSDT");
  EXPECT_EQ(ReadLe(fadt, 40, 4), ReadLe(fadt, 140, 8)) << "32-bit DSDT agrees with X_DSDT";
  EXPECT_EQ(ReadLe(fadt, 36, 4), 0u) << "no FACS";
  EXPECT_EQ(ReadLe(fadt, 132, 8), 0u) << "no X_FACS";
}

TEST_P(AcpiTablesTest, MadtHasOneEntryPerCpuPlusTheIoApic) {
  auto [cpus, slots] = GetParam();
  AcpiTables tables = BuildAcpiTables(Config(cpus, slots));
  auto entries = MadtEntries(TableReader(tables).Find("APIC"));
  EXPECT_EQ(entries.size(), cpus + 1u);
  size_t processors = std::count_if(entries.begin(), entries.end(), [](auto& e) { return e.type == 0 || e.type == 9; });
  size_t ioapics = std::count_if(entries.begin(), entries.end(), [](auto& e) { return e.type == 1; });
  EXPECT_EQ(processors, cpus);
  EXPECT_EQ(ioapics, 1u);
}

TEST_P(AcpiTablesTest, DsdtHasOneVirtioDevicePerSlot) {
  auto [cpus, slots] = GetParam();
  AcpiTables tables = BuildAcpiTables(Config(cpus, slots));
  auto dsdt = TableReader(tables).Dsdt();
  ASSERT_FALSE(dsdt.empty());
  EXPECT_EQ(dsdt[8], 2) << "revision 2: 64-bit integers";
  EXPECT_EQ(Count(dsdt, "LNRO0005"), slots);
  EXPECT_EQ(Count(dsdt, "_S5_"), 1u);
  EXPECT_EQ(Count(dsdt, "_SB_"), 1u);
  EXPECT_EQ(Count(dsdt, "COM1"), 1u);
  EXPECT_EQ(Count(dsdt, "PS2K"), 1u);
  for (uint32_t i = 0; i < slots; ++i) {
    std::string name = (i < 10 ? "VR0" : "VR") + std::to_string(i);
    EXPECT_EQ(Count(dsdt, name), 1u) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, AcpiTablesTest,
                         ::testing::Values(std::pair{1u, 0u}, std::pair{2u, 2u}, std::pair{8u, 18u},
                                           std::pair{255u, 1u}, std::pair{300u, 18u}),
                         [](const auto& p) {
                           return std::to_string(p.param.first) + "cpus_" + std::to_string(p.param.second) + "slots";
                         });

TEST(AcpiTablesBuildTest, DeterministicOutput) {
  EXPECT_EQ(BuildAcpiTables(Config(4, 3)).bytes, BuildAcpiTables(Config(4, 3)).bytes);
}

TEST(AcpiTablesBuildTest, LegacyDevicesCanBeLeftOut) {
  AcpiConfig config = Config(1, 1);
  config.serial = false;
  config.i8042 = false;
  AcpiTables tables = BuildAcpiTables(config);
  TableReader reader(tables);
  auto dsdt = reader.Dsdt();
  EXPECT_EQ(Count(dsdt, "COM1"), 0u);
  EXPECT_EQ(Count(dsdt, "PS2K"), 0u);
  EXPECT_EQ(Count(dsdt, "LNRO0005"), 1u);
  EXPECT_EQ(ReadLe(reader.Find("FACP"), 109, 2) & 0x3, 0u) << "no legacy devices, no 8042";
}

TEST(AcpiTablesBuildTest, HonoursTablesAddress) {
  AcpiConfig config = Config(2, 2);
  config.tables_address = 0xf0000;
  AcpiTables tables = BuildAcpiTables(config);
  EXPECT_EQ(tables.address, 0xf0000u);
  EXPECT_EQ(tables.rsdp_address, 0xf0000u);
  TableReader reader(tables);
  for (const auto& t : reader.AllTables()) {
    EXPECT_GE(t.address, 0xf0000u);
    EXPECT_EQ(ByteSum(t.bytes), 0);
  }
}

std::string Rejection(const AcpiConfig& config) {
  try {
    BuildAcpiTables(config);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(AcpiTablesBuildTest, RejectsBadPlacement) {
  AcpiConfig config;
  config.tables_address = 0xe0008;
  EXPECT_THAT(Rejection(config), HasSubstr("tables_address 0xe0008 must be 16-byte aligned"));
  config.tables_address = 0xd0000;
  EXPECT_THAT(Rejection(config), HasSubstr("in [0xe0000, 0x100000)"));
  config.tables_address = 0x100000;
  EXPECT_THAT(Rejection(config), HasSubstr("in [0xe0000, 0x100000)"));
  config.tables_address = 0xfff00;
  EXPECT_THAT(Rejection(config), HasSubstr("only 256 fit below 0x100000"));
}

TEST(AcpiTablesBuildTest, RejectsTooManyCpusForTheRegion) {
  // 128 KiB holds about 8000 x2APIC entries of 16 bytes.
  EXPECT_THAT(Rejection(Config(10000, 0)), HasSubstr("ACPI tables for 10000 CPUs and 0 virtio slots need"));
  EXPECT_EQ(Rejection(Config(4096, 18)), "");
}

TEST(AcpiTablesBuildTest, RejectsInvalidConfigs) {
  EXPECT_THAT(Rejection(Config(0, 0)), HasSubstr("cpu_count must be at least 1"));
  AcpiConfig config = Config(1, 2);
  config.virtio_slots[1].base = config.virtio_slots[0].base;
  EXPECT_THAT(Rejection(config), HasSubstr("overlaps virtio slot 0"));
}

}  // namespace
}  // namespace tinyrange::acpi
