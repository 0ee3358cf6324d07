// Helpers for the install tests: package archives in the exact layout the
// converter (builder/archive) produces, and a plain decoder of steps files
// so the tests do not depend on guest-init's parser.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "builder/archive/archive_format.h"
#include "builder/install/install_steps_writer.h"

namespace tinyrange::install::testing {

struct TestEntry {
  archive::EntryType type = archive::EntryType::kFile;
  std::string name;
  std::string data;   // files
  std::string link;   // symlinks, hard links
  uint32_t mode = 0;  // 0: 0644 for files, 0755 for directories, 0777 for symlinks
  uint32_t uid = 0;
  uint32_t gid = 0;
};

TestEntry Dir(const std::string& name, uint32_t mode = 0755);
TestEntry File(const std::string& name, const std::string& data, uint32_t mode = 0644);
TestEntry Symlink(const std::string& name, const std::string& target);

// A converted package: the metadata directories (.tinyrange,
// .tinyrange/packages, .tinyrange/packages/DISTRO,
// .tinyrange/packages/DISTRO/NAME, mode 0755, mtime 0) and the control
// files in map order, then the data entries in the order given.
void WritePackageArchive(const std::filesystem::path& path, const std::string& distro, const std::string& name,
                         const std::map<std::string, std::string>& control, const std::vector<TestEntry>& data,
                         const std::map<std::string, uint32_t>& control_modes = {});

// Decodes a steps file: fails the current test (and returns what it got)
// on anything malformed.
std::vector<InstallStep> DecodeSteps(const std::string& bytes);

}  // namespace tinyrange::install::testing
