// define.build(callback, *args): a definition built by a Starlark function.
// At build time each definition argument is built first and handed to the
// callback as a value with `.path` and `.read()`; other arguments (strings,
// ints, bools, None, lists of those) are passed as they are. The callback
// returns the output: a string or bytes (the file's contents) or another
// definition (built, and its output taken as this one's).
//
// The hash covers the function's name, the arguments, and a digest of every
// script evaluated in the run that defined it, so editing a script can
// never leave a stale callback output in use.
#pragma once

#include <string>
#include <vector>

#include "builder/build/definition.h"
#include "starlark/value.h"

namespace tinyrange::build {

// `callback` must be a frozen Starlark function (module globals are frozen
// after evaluation, which is when builds run). Throws BuildError for an
// argument that cannot be serialized.
DefinitionPtr StarlarkCallback(starlark::Value callback, std::vector<starlark::Value> args, std::string script_digest);

}  // namespace tinyrange::build
