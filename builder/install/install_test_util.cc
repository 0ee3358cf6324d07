#include "builder/install/install_test_util.h"

#include <gtest/gtest.h>

#include "builder/archive/archive_writer.h"
#include "guest-init/install_steps.h"

namespace tinyrange::install::testing {

TestEntry Dir(const std::string& name, uint32_t mode) {
  return {archive::EntryType::kDirectory, name, "", "", mode, 0, 0};
}

TestEntry File(const std::string& name, const std::string& data, uint32_t mode) {
  return {archive::EntryType::kFile, name, data, "", mode, 0, 0};
}

TestEntry Symlink(const std::string& name, const std::string& target) {
  return {archive::EntryType::kSymlink, name, "", target, 0777, 0, 0};
}

void WritePackageArchive(const std::filesystem::path& path, const std::string& distro, const std::string& name,
                         const std::map<std::string, std::string>& control, const std::vector<TestEntry>& data,
                         const std::map<std::string, uint32_t>& control_modes) {
  archive::ArchiveWriter writer(path);
  std::string prefix = ".tinyrange/packages/" + distro + "/" + name;
  for (const std::string& dir :
       {std::string(".tinyrange"), std::string(".tinyrange/packages"), ".tinyrange/packages/" + distro, prefix}) {
    archive::Entry entry;
    entry.type = archive::EntryType::kDirectory;
    entry.name = dir;
    entry.mode = 0755;
    writer.Add(entry);
  }
  for (const auto& [member, text] : control) {
    archive::Entry entry;
    entry.name = prefix + "/" + member;
    auto mode = control_modes.find(member);
    entry.mode = mode != control_modes.end() ? mode->second : 0644;
    entry.mtime = 1700000000;
    entry.size = text.size();
    writer.AddFile(entry, text);
  }
  for (const TestEntry& test : data) {
    archive::Entry entry;
    entry.type = test.type;
    entry.name = test.name;
    entry.uid = test.uid;
    entry.gid = test.gid;
    entry.mtime = 1700000000;
    entry.link = test.link;
    entry.mode = test.mode;
    if (entry.mode == 0) entry.mode = test.type == archive::EntryType::kDirectory ? 0755 : 0644;
    if (test.type == archive::EntryType::kFile) {
      entry.size = test.data.size();
      writer.AddFile(entry, test.data);
    } else {
      writer.Add(entry);
    }
  }
  writer.Finish();
}

std::vector<InstallStep> DecodeSteps(const std::string& bytes) {
  std::vector<InstallStep> steps;
  std::string_view rest = bytes;
  if (!rest.starts_with(kInstallStepsMagic)) {
    ADD_FAILURE() << "no magic";
    return steps;
  }
  rest.remove_prefix(kInstallStepsMagic.size());
  auto next = [&](std::string* out) {
    size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) return false;
    *out = std::string(rest.substr(0, nul));
    rest.remove_prefix(nul + 1);
    return true;
  };
  std::string key, value;
  while (next(&key) && next(&value)) {
    if (key == "end") {
      EXPECT_TRUE(rest.empty()) << "data after end";
      return steps;
    }
    if (key == "step") {
      steps.push_back({value, {}, {}});
    } else if (key == "argv" && !steps.empty()) {
      steps.back().argv.push_back(value);
    } else if (key == "env" && !steps.empty()) {
      steps.back().env.push_back(value);
    } else {
      ADD_FAILURE() << "unexpected key " << key;
      return steps;
    }
  }
  ADD_FAILURE() << "no end record";
  return steps;
}

}  // namespace tinyrange::install::testing
