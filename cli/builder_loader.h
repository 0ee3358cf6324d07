// Runs a builder command (query, plan, starlark) from the builder module,
// loaded on demand from next to `tr` (build tree) or from
// ../lib/tinyrange/ (installed).
#pragma once

namespace tinyrange::cli {

// argv[0] is the command name. Returns its status, or a usage-class
// failure with a message when the module cannot be loaded.
int RunBuilderCommand(int argc, char** argv);

}  // namespace tinyrange::cli
