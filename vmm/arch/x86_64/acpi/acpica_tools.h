// Test helper: runs the ACPICA tools (iasl, acpiexec from Debian's
// acpica-tools) on our tables. ACPICA is the interpreter inside Linux, so
// a table it disassembles and loads cleanly is one the guest will accept.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vmm/arch/x86_64/acpi/acpi_tables.h"

namespace tinyrange::acpi::testutil {

// The tool's path from $PATH, or nullopt. Tests must FAIL, not skip, when
// it is missing: use TR_REQUIRE_ACPICA_TOOL.
std::optional<std::filesystem::path> FindTool(const std::string& name);
// FindTool, or a test failure telling the user to install acpica-tools.
#define TR_REQUIRE_ACPICA_TOOL(var, name)                                                                   \
  auto var##_found = ::tinyrange::acpi::testutil::FindTool(name);                                           \
  ASSERT_TRUE(var##_found.has_value()) << "'" << (name) << "' was not found on PATH; these tests need it: " \
                                       << "install acpica-tools (apt-get install acpica-tools)";            \
  const std::filesystem::path var = *var##_found

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct ToolResult {
  int exit_code;       // -1 if the tool did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs `tool args...` in `dir`, capturing its output.
ToolResult RunTool(const std::filesystem::path& dir, const std::filesystem::path& tool,
                   const std::vector<std::string>& args);

void WriteFile(const std::filesystem::path& path, std::span<const uint8_t> bytes);
std::string ReadFile(const std::filesystem::path& path);

// The lines of `text` that report a problem: errors, warnings, remarks,
// bad checksums, unknown opcodes.
std::vector<std::string> ProblemLines(const std::string& text);

// Occurrences of `needle` in `text`.
size_t CountOf(const std::string& text, const std::string& needle);

// The DSDT, FADT and MADT of a blob, as a guest finds them.
struct TableFiles {
  std::vector<uint8_t> dsdt, facp, apic;
};
TableFiles SplitTables(const AcpiTables& tables);

}  // namespace tinyrange::acpi::testutil
