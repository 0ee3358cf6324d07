// Runs a builder command (query, plan, starlark) from the builder module,
// loaded on demand from next to `tr` (build tree) or from
// ../lib/tinyrange/ (installed).
#pragma once

#include <string>

namespace tinyrange::cli {

// dlopen()s the module; null with reasons appended to *errors if none of
// the places it may be in has a loadable one.
void* LoadBuilderModule(std::string* errors);
void ReportMissingModule(const char* command, const std::string& errors);

// argv[0] is the command name. Returns its status, or a usage-class
// failure with a message when the module cannot be loaded.
int RunBuilderCommand(int argc, char** argv);

}  // namespace tinyrange::cli
