#include "builder/install/script_interpreter.h"

#include "builder/install/install_error.h"

namespace tinyrange::install {

std::string ScriptInterpreter(std::string_view script) {
  if (script.substr(0, 2) != "#!") return "/bin/sh";
  std::string_view line = script.substr(2, script.find('\n') == std::string_view::npos ? std::string_view::npos
                                                                                        : script.find('\n') - 2);
  size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return "/bin/sh";
  line.remove_prefix(start);
  return std::string(line.substr(0, line.find_first_of(" \t\r")));
}

void RequireInterpreter(const std::string& package, const std::string& script, const std::string& interpreter,
                        const std::set<std::string>& paths, const std::string& advice) {
  if (paths.count(interpreter)) return;
  throw InstallError(package + ": its " + script + " runs " + interpreter +
                     ", which no package of the plan installs, so it cannot run in the VM. " + advice);
}

}  // namespace tinyrange::install
