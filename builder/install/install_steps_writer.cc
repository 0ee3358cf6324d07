#include "builder/install/install_steps_writer.h"

#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "builder/install/tree_writer.h"
#include "guest-init/install_steps.h"

namespace tinyrange::install {

namespace {

std::string Describe(size_t index, const InstallStep& step) {
  // The label may itself be what is wrong, so it is shown without NULs.
  std::string label;
  for (char c : step.label) label += c == '\0' ? '?' : c;
  return "install step " + std::to_string(index) + " (\"" + label + "\")";
}

void CheckNoNul(size_t index, const InstallStep& step, const std::string& value, const std::string& field) {
  if (value.find('\0') != std::string::npos) {
    throw std::invalid_argument(Describe(index, step) + ": " + field + " contains a NUL byte");
  }
}

void Record(std::string& out, std::string_view key, std::string_view value) {
  out.append(key);
  out += '\0';
  out.append(value);
  out += '\0';
}

}  // namespace

std::string EncodeInstallSteps(const std::vector<InstallStep>& steps) {
  std::string out(kInstallStepsMagic);
  for (size_t i = 0; i < steps.size(); ++i) {
    const InstallStep& step = steps[i];
    CheckNoNul(i, step, step.label, "the label");
    if (step.label.empty()) throw std::invalid_argument(Describe(i, step) + ": the label is empty");
    if (step.argv.empty()) throw std::invalid_argument(Describe(i, step) + ": argv is empty");
    for (size_t a = 0; a < step.argv.size(); ++a) {
      CheckNoNul(i, step, step.argv[a], "argv[" + std::to_string(a) + "]");
    }
    if (!step.argv[0].starts_with('/')) {
      throw std::invalid_argument(Describe(i, step) + ": argv[0] \"" + step.argv[0] +
                                  "\" is not an absolute path in the new root");
    }
    for (size_t e = 0; e < step.env.size(); ++e) {
      const std::string& entry = step.env[e];
      std::string field = "env[" + std::to_string(e) + "]";
      CheckNoNul(i, step, entry, field);
      size_t equals = entry.find('=');
      if (equals == std::string::npos) {
        throw std::invalid_argument(Describe(i, step) + ": " + field + " \"" + entry + "\" has no '='");
      }
      if (equals == 0) throw std::invalid_argument(Describe(i, step) + ": " + field + " \"" + entry + "\" has no name");
    }
    Record(out, "step", step.label);
    for (const std::string& arg : step.argv) Record(out, "argv", arg);
    for (const std::string& entry : step.env) Record(out, "env", entry);
  }
  Record(out, "end", "");
  return out;
}

InstallResult WriteStepsArchive(const std::vector<InstallStep>& steps, const InstallOptions& options) {
  InstallResult result;
  result.steps = steps.size();
  if (!steps.empty()) {
    TreeWriter writer(options.steps_archive, options.mtime);
    writer.AddFile(std::string(kInstallStepsPath).substr(1), EncodeInstallSteps(steps), 0644);
    result.steps_sha256 = writer.Commit();
    result.steps_written = true;
  } else {
    std::error_code ignored;
    std::filesystem::remove(options.steps_archive, ignored);
  }
  return result;
}

}  // namespace tinyrange::install
