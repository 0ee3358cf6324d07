// `tr starlark`: runs Starlark files and Starlark test files.
#pragma once

namespace tinyrange::cli {

// argv[0] is "starlark".
int StarlarkCommand(int argc, char** argv);

}  // namespace tinyrange::cli
