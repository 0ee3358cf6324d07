// Disassembles our tables with iasl (and recompiles the DSDT's
// disassembly) to check them against ACPICA's idea of the format.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "vmm/arch/x86_64/acpi/acpi_tables.h"
#include "vmm/arch/x86_64/acpi/acpica_tools.h"
#include "vmm/arch/x86_64/acpi/aml_writer.h"
#include "vmm/arch/x86_64/acpi/sdt.h"
#include "vmm/arch/x86_64/acpi/table_reader.h"
#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testutil::CountOf;
using testutil::ProblemLines;
using testutil::ReadFile;
using testutil::RunTool;
using testutil::TempDir;
using testutil::WriteFile;

// The i-th GSI a VMM can give a virtio slot: 5 upwards, skipping the
// reserved legacy lines, then the free low lines.

using testutil::Config;

struct Disassembly {
  int exit_code;
  std::string log;  // iasl's own output
  std::string dsl;  // the disassembled table
};

// Writes `table` as `name`.dat and runs `iasl -d` on it.
Disassembly Disassemble(const std::filesystem::path& iasl, const TempDir& dir, const std::string& name,
                        std::span<const uint8_t> table) {
  WriteFile(dir.path() / (name + ".dat"), table);
  auto result = RunTool(dir.path(), iasl, {"-d", name + ".dat"});
  Disassembly d{result.exit_code, result.output, ""};
  if (std::filesystem::exists(dir.path() / (name + ".dsl"))) d.dsl = ReadFile(dir.path() / (name + ".dsl"));
  return d;
}

// Everything iasl found wrong, for a readable failure message.
std::vector<std::string> Problems(const Disassembly& d) {
  auto problems = ProblemLines(d.log);
  for (auto& p : ProblemLines(d.dsl)) problems.push_back(p);
  if (d.exit_code != 0) problems.push_back("iasl exited with " + std::to_string(d.exit_code));
  if (d.dsl.empty()) problems.push_back("iasl wrote no disassembly");
  return problems;
}

// The value iasl prints for the field `label` in a data table, looking
// only after the line containing `after` (to pick one of several
// Generic Address Structures).
std::string Field(const std::string& dsl, const std::string& label, const std::string& after = "") {
  size_t from = after.empty() ? 0 : dsl.find(after);
  if (from == std::string::npos) return "<no " + after + ">";
  size_t at = dsl.find(label + " : ", from);
  if (at == std::string::npos) return "<no " + label + ">";
  at += label.size() + 3;
  return dsl.substr(at, dsl.find('\n', at) - at);
}

std::string Hex16(uint64_t v) {
  char buf[17];
  snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(v));
  return buf;
}

TEST(IaslTest, Dsdt) {
  TR_REQUIRE_ACPICA_TOOL(iasl, "iasl");
  TempDir dir;
  AcpiConfig config = Config(2, 3);
  config.virtio_slots[2] = {0xd0002000, 0x200, 23};
  auto files = testutil::SplitTables(BuildAcpiTables(config));
  auto d = Disassemble(iasl, dir, "dsdt", files.dsdt);
  ASSERT_THAT(Problems(d), IsEmpty()) << d.log << d.dsl;

  EXPECT_THAT(d.dsl, HasSubstr("DefinitionBlock (\"\", \"DSDT\", 2, \"TNYRNG\", \"TNYRANGE\", 0x00000001)"));
  EXPECT_THAT(d.dsl, HasSubstr("Name (\\_S5, Package (0x02)  // _S5_: S5 System State"));
  EXPECT_THAT(d.dsl, HasSubstr("0x05, \n        0x05\n"));
  EXPECT_THAT(d.dsl, HasSubstr("Scope (\\_SB)"));
  EXPECT_THAT(d.dsl, HasSubstr("Device (COM1)"));
  EXPECT_THAT(d.dsl, HasSubstr("EisaId (\"PNP0501\")"));
  EXPECT_THAT(d.dsl, HasSubstr("0x03F8,             // Range Minimum"));
  EXPECT_THAT(d.dsl, HasSubstr("IRQNoFlags ()\n                    {4}"));
  EXPECT_THAT(d.dsl, HasSubstr("Device (PS2K)"));
  EXPECT_THAT(d.dsl, HasSubstr("EisaId (\"PNP0303\")"));
  EXPECT_THAT(d.dsl, HasSubstr("0x0064,             // Range Minimum"));
  EXPECT_THAT(d.dsl, HasSubstr("IRQNoFlags ()\n                    {1}"));

  EXPECT_EQ(CountOf(d.dsl, "Name (_HID, \"LNRO0005\")"), 3u);
  EXPECT_EQ(CountOf(d.dsl, "Name (_CCA, One)"), 3u);
  EXPECT_EQ(CountOf(d.dsl, "Memory32Fixed (ReadWrite,"), 3u);
  EXPECT_EQ(CountOf(d.dsl, "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"), 3u);
  EXPECT_THAT(d.dsl, HasSubstr("Device (VR00)"));
  EXPECT_THAT(d.dsl, HasSubstr("0xD0000000,         // Address Base"));
  EXPECT_THAT(d.dsl, HasSubstr("0x00000005,"));
  EXPECT_THAT(d.dsl, HasSubstr("Device (VR01)"));
  EXPECT_THAT(d.dsl, HasSubstr("0xD0001000,         // Address Base"));
  EXPECT_THAT(d.dsl, HasSubstr("0x00000006,"));
  EXPECT_THAT(d.dsl, HasSubstr("Device (VR02)"));
  EXPECT_THAT(d.dsl, HasSubstr("Name (_UID, 0x02)"));
  EXPECT_THAT(d.dsl, HasSubstr("0xD0002000,         // Address Base"));
  EXPECT_THAT(d.dsl, HasSubstr("0x00000200,         // Address Length"));
  EXPECT_THAT(d.dsl, HasSubstr("0x00000017,"));
  // Every _CRS was recognized as a resource template (a descriptor iasl
  // cannot parse leaves a raw Buffer behind).
  EXPECT_EQ(CountOf(d.dsl, "Name (_CRS, ResourceTemplate ()"), 5u);
  EXPECT_EQ(CountOf(d.dsl, "Buffer ("), 0u);
}

TEST(IaslTest, DsdtDisassemblyRecompilesCleanly) {
  // The compiler checks what the disassembler does not: the types of
  // predefined names (_HID, _UID, _CCA, _CRS, _S5), resource descriptor
  // fields, and namespace placement.
  TR_REQUIRE_ACPICA_TOOL(iasl, "iasl");
  TempDir dir;
  auto files = testutil::SplitTables(BuildAcpiTables(Config(4, 18)));
  auto d = Disassemble(iasl, dir, "dsdt", files.dsdt);
  ASSERT_THAT(Problems(d), IsEmpty()) << d.log;
  auto compile = RunTool(dir.path(), iasl, {"-p", "recompiled", "dsdt.dsl"});
  EXPECT_EQ(compile.exit_code, 0) << compile.output;
  EXPECT_THAT(compile.output, HasSubstr("Compilation successful. 0 Errors, 0 Warnings, 0 Remarks"));
  EXPECT_THAT(ProblemLines(compile.output), IsEmpty()) << compile.output;
  EXPECT_EQ(CountOf(d.dsl, "Name (_HID, \"LNRO0005\")"), 18u);
  EXPECT_THAT(d.dsl, HasSubstr("Device (VR17)"));
}

TEST(IaslTest, Madt) {
  TR_REQUIRE_ACPICA_TOOL(iasl, "iasl");
  TempDir dir;
  auto files = testutil::SplitTables(BuildAcpiTables(Config(2, 2)));
  auto d = Disassemble(iasl, dir, "apic", files.apic);
  ASSERT_THAT(Problems(d), IsEmpty()) << d.log << d.dsl;
  EXPECT_THAT(d.dsl, HasSubstr("[Multiple APIC Description Table (MADT)]"));
  EXPECT_EQ(Field(d.dsl, "Revision"), "05");
  EXPECT_EQ(Field(d.dsl, "Local Apic Address"), "FEE00000");
  EXPECT_EQ(Field(d.dsl, "PC-AT Compatibility"), "1");
  EXPECT_EQ(CountOf(d.dsl, "Subtable Type : 00 [Processor Local APIC]"), 2u);
  EXPECT_EQ(CountOf(d.dsl, "Processor Enabled : 1"), 2u);
  EXPECT_THAT(d.dsl, HasSubstr("Processor ID : 00\n[02Fh 0047   1]                Local Apic ID : 00"));
  EXPECT_THAT(d.dsl, HasSubstr("Processor ID : 01\n[037h 0055   1]                Local Apic ID : 01"));
  EXPECT_EQ(CountOf(d.dsl, "Subtable Type : 01 [I/O APIC]"), 1u);
  EXPECT_EQ(Field(d.dsl, "I/O Apic ID"), "00");
  EXPECT_EQ(Field(d.dsl, "Address", "[I/O APIC]"), "FEC00000");
  EXPECT_EQ(Field(d.dsl, "Interrupt", "[I/O APIC]"), "00000000");
  EXPECT_EQ(CountOf(d.dsl, "Interrupt Source Override"), 0u);
}

TEST(IaslTest, MadtWithX2Apics) {
  TR_REQUIRE_ACPICA_TOOL(iasl, "iasl");
  TempDir dir;
  auto files = testutil::SplitTables(BuildAcpiTables(Config(300, 0)));
  auto d = Disassemble(iasl, dir, "apic", files.apic);
  ASSERT_THAT(Problems(d), IsEmpty()) << d.log;
  EXPECT_EQ(CountOf(d.dsl, "[Processor Local APIC]"), 255u);
  EXPECT_EQ(CountOf(d.dsl, "[Processor Local x2APIC]"), 45u);
  EXPECT_EQ(CountOf(d.dsl, "Processor Enabled : 1"), 300u);
  EXPECT_EQ(Field(d.dsl, "Processor x2Apic ID", "[Processor Local x2APIC]"), "000000FF");
  EXPECT_EQ(CountOf(d.dsl, "[I/O APIC]"), 1u);
}

TEST(IaslTest, Fadt) {
  TR_REQUIRE_ACPICA_TOOL(iasl, "iasl");
  TempDir dir;
  AcpiTables tables = BuildAcpiTables(Config(2, 2));
  auto files = testutil::SplitTables(tables);
  auto d = Disassemble(iasl, dir, "facp", files.facp);
  ASSERT_THAT(Problems(d), IsEmpty()) << d.log << d.dsl;
  uint64_t dsdt_address = testutil::ReadLe(files.facp, 140, 8);
  EXPECT_EQ(testutil::TableReader(tables).SignatureAt(dsdt_address), "DSDT");

  EXPECT_THAT(d.dsl, HasSubstr("[Fixed ACPI Description Table (FADT)]"));
  EXPECT_EQ(Field(d.dsl, "Revision"), "06");
  EXPECT_EQ(Field(d.dsl, "FADT Minor Revision"), "05");
  EXPECT_EQ(Field(d.dsl, "Table Length"), "00000114");
  EXPECT_EQ(Field(d.dsl, "Hardware Reduced (V5)"), "1");
  EXPECT_EQ(Field(d.dsl, "Control Method Power Button (V1)"), "1");
  EXPECT_EQ(Field(d.dsl, "Control Method Sleep Button (V1)"), "1");
  EXPECT_EQ(Field(d.dsl, "Reset Register Supported (V2)"), "1");
  EXPECT_EQ(Field(d.dsl, "VGA Not Present (V4)"), "1");
  EXPECT_EQ(Field(d.dsl, "CMOS RTC Not Present (V5)"), "1");
  EXPECT_EQ(Field(d.dsl, "8042 Present on ports 60/64 (V2)"), "1");
  EXPECT_EQ(Field(d.dsl, "SCI Interrupt"), "0000");
  EXPECT_EQ(Field(d.dsl, "DSDT Address", "FADT Minor Revision"), Hex16(dsdt_address));
  EXPECT_EQ(Field(d.dsl, "DSDT Address"), Hex16(dsdt_address).substr(8));
  EXPECT_EQ(Field(d.dsl, "Space ID", "Sleep Control Register"), "01 [SystemIO]");
  EXPECT_EQ(Field(d.dsl, "Bit Width", "Sleep Control Register"), "08");
  EXPECT_EQ(Field(d.dsl, "Address", "Sleep Control Register"), "0000000000000600");
  EXPECT_EQ(Field(d.dsl, "Space ID", "Sleep Status Register"), "01 [SystemIO]");
  EXPECT_EQ(Field(d.dsl, "Address", "Sleep Status Register"), "0000000000000601");
  EXPECT_EQ(Field(d.dsl, "Space ID", "Reset Register :"), "01 [SystemIO]");
  EXPECT_EQ(Field(d.dsl, "Address", "Reset Register :"), "0000000000000602");
  EXPECT_EQ(Field(d.dsl, "Value to cause reset"), "01");
}

// The checks above are only worth something if they notice broken tables.
TEST(IaslTest, ProblemsAreDetected) {
  TR_REQUIRE_ACPICA_TOOL(iasl, "iasl");
  TempDir dir;
  auto files = testutil::SplitTables(BuildAcpiTables(Config(1, 1)));
  auto fix_checksum = [](std::vector<uint8_t>& t) {
    t[kSdtChecksumOffset] = 0;
    t[kSdtChecksumOffset] = static_cast<uint8_t>(-ByteSum(t));
  };

  auto bad_checksum = files.dsdt;
  bad_checksum[kSdtChecksumOffset] ^= 1;
  EXPECT_THAT(Problems(Disassemble(iasl, dir, "cks", bad_checksum)), Not(IsEmpty()));

  auto bad_opcode = files.dsdt;
  const aml::Bytes device_op{0x5b, 0x82};
  auto device = std::search(bad_opcode.begin(), bad_opcode.end(), device_op.begin(), device_op.end());
  ASSERT_NE(device, bad_opcode.end());
  device[1] = 0x99;  // no such extended opcode
  fix_checksum(bad_opcode);
  EXPECT_THAT(Problems(Disassemble(iasl, dir, "op", bad_opcode)), Not(IsEmpty()));

  auto bad_fadt = files.facp;
  bad_fadt[100] ^= 0x10;  // checksum no longer matches
  EXPECT_THAT(Problems(Disassemble(iasl, dir, "facp", bad_fadt)), Not(IsEmpty()));
}

}  // namespace
}  // namespace tinyrange::acpi
