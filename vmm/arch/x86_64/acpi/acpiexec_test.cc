// Loads our FADT, MADT and DSDT into acpiexec, ACPICA's interpreter run in
// user space (the same code Linux runs), and evaluates the objects the
// guest's drivers will read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "vmm/arch/x86_64/acpi/acpi_tables.h"
#include "vmm/arch/x86_64/acpi/acpica_tools.h"
#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testutil::ProblemLines;
using testutil::RunTool;
using testutil::TempDir;
using testutil::WriteFile;

// Runs acpiexec in batch mode on the tables of `config` with `commands`.
testutil::ToolResult Execute(const std::filesystem::path& acpiexec, const AcpiConfig& config,
                             const std::string& commands) {
  TempDir dir;
  auto files = testutil::SplitTables(BuildAcpiTables(config));
  WriteFile(dir.path() / "facp.dat", files.facp);
  WriteFile(dir.path() / "apic.dat", files.apic);
  WriteFile(dir.path() / "dsdt.dat", files.dsdt);
  return RunTool(dir.path(), acpiexec, {"-b", commands, "facp.dat", "apic.dat", "dsdt.dat"});
}

AcpiConfig TwoSlots() {
  AcpiConfig config;
  config.cpu_count = 2;
  config.virtio_slots = {{0xd0000000, 0x1000, 5}, {0xd0001000, 0x1000, 6}};
  return config;
}

TEST(AcpiexecTest, NamespaceLoadsAndEvaluates) {
  TR_REQUIRE_ACPICA_TOOL(acpiexec, "acpiexec");
  auto r = Execute(acpiexec, TwoSlots(),
                   "evaluate \\_S5; evaluate \\_SB.VR01._HID; evaluate \\_SB.VR01._UID; "
                   "evaluate \\_SB.VR01._CCA; evaluate \\_SB.VR01._CRS; evaluate \\_SB.COM1._HID");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(ProblemLines(r.output), IsEmpty()) << r.output;
  EXPECT_THAT(r.output, HasSubstr("ACPI: FACP"));
  EXPECT_THAT(r.output, HasSubstr("ACPI: APIC"));
  EXPECT_THAT(r.output, HasSubstr("ACPI: 1 ACPI AML tables successfully acquired and loaded"));
  EXPECT_THAT(r.output, HasSubstr("[Package] Contains 2 Elements:\n"
                                  "    [Integer] = 0000000000000005\n"
                                  "    [Integer] = 0000000000000005"));
  EXPECT_THAT(r.output, HasSubstr("[String] Length 08 = \"LNRO0005\""));
  EXPECT_THAT(r.output, HasSubstr("Evaluating \\_SB.VR01._UID\n"
                                  "Evaluation of \\_SB.VR01._UID returned object"));
  EXPECT_THAT(r.output, HasSubstr("[Integer] = 0000000000000001"));
  // Memory32Fixed(ReadWrite, 0xd0001000, 0x1000), Interrupt(..., Edge,
  // ActiveHigh, Exclusive) {6}, End Tag.
  EXPECT_THAT(r.output, HasSubstr("0000: 86 09 00 01 00 10 00 D0 00 10 00 00 89 06 00 03"));
  EXPECT_THAT(r.output, HasSubstr("0010: 01 06 00 00 00 79"));
  EXPECT_THAT(r.output, HasSubstr("[Integer] = 000000000105D041"));  // EisaId("PNP0501")
}

TEST(AcpiexecTest, MissingDevicesAreAbsent) {
  TR_REQUIRE_ACPICA_TOOL(acpiexec, "acpiexec");
  AcpiConfig config = TwoSlots();
  config.serial = false;
  auto r = Execute(acpiexec, config, "evaluate \\_SB.COM1._HID");
  EXPECT_THAT(r.output, HasSubstr("AE_NOT_FOUND"));
  // The problem detector notices a failed evaluation.
  EXPECT_THAT(ProblemLines(r.output), Not(IsEmpty())) << r.output;
}

}  // namespace
}  // namespace tinyrange::acpi
