// The interpreter a package script needs, checked against what the plan
// installs: a preinst whose "#!/bin/sh" has no /bin/sh in the new root can
// only fail in the VM with a bare "No such file or directory"; found on the
// host, the error can say which package and what to add.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace tinyrange::install {

// The program the script's "#!" line names, or /bin/sh for a script
// without one (dpkg and apk would run it with the shell).
std::string ScriptInterpreter(std::string_view script);

// Throws InstallError unless `interpreter` is in `paths` (every absolute
// path the plan's packages install, symlinks included).
void RequireInterpreter(const std::string& package, const std::string& script, const std::string& interpreter,
                        const std::set<std::string>& paths, const std::string& advice);

}  // namespace tinyrange::install
