#include "vmm/arch/x86_64/acpi/acpica_tools.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "vmm/arch/x86_64/acpi/table_reader.h"

namespace tinyrange::acpi::testutil {

namespace fs = std::filesystem;

std::optional<fs::path> FindTool(const std::string& name) {
  const char* path_env = getenv("PATH");
  std::stringstream dirs(path_env ? path_env : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

TempDir::TempDir() {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/tr-acpi-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp(" << pattern << ") failed";
    return;
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) fs::remove_all(path_, ignored);
}

namespace {

// Single-quotes a word for /bin/sh.
std::string ShellQuote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

ToolResult RunTool(const fs::path& dir, const fs::path& tool, const std::vector<std::string>& args) {
  std::string command = "cd " + ShellQuote(dir) + " && " + ShellQuote(tool);
  for (const auto& a : args) command += " " + ShellQuote(a);
  command += " 2>&1 </dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed for: " + command};
  std::string output;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

void WriteFile(const fs::path& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ProblemLines(const std::string& text) {
  // What ACPICA prints when it dislikes a table: "ACPI Error", "ACPI
  // Warning", "Firmware Warning", "**** Incorrect checksum", "Unknown
  // opcode", "Aborting disassembly", "Could not parse", the compiler's
  // "Error"/"Warning"/"Remark" messages, and acpiexec's "... failed with
  // status AE_NOT_FOUND".
  static const char* kMarkers[] = {"Error", "Warning",   "Remark", "Incorrect", "Invalid", "Unknown",
                                   "Abort", "Could not", "****",   "failed",    "AE_"};
  std::vector<std::string> problems;
  std::stringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    // The compiler's summary line names the counts even when they are zero.
    if (line.find("Compilation successful.") != std::string::npos) continue;
    for (const char* marker : kMarkers) {
      if (line.find(marker) != std::string::npos) {
        problems.push_back(line);
        break;
      }
    }
  }
  return problems;
}

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

TableFiles SplitTables(const AcpiTables& tables) {
  TableReader reader(tables);
  auto copy = [](std::span<const uint8_t> s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  return {copy(reader.Dsdt()), copy(reader.Find("FACP")), copy(reader.Find("APIC"))};
}

}  // namespace tinyrange::acpi::testutil
