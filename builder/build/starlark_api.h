// The build system's Starlark API: the `define` and `directive` modules and
// `query`, as build files see them. Definitions are Starlark values of type
// "definition"; building happens later, in C++, from the values a file
// exports.
#pragma once

#include <string>

#include "builder/build/definition.h"
#include "starlark/eval.h"

namespace tinyrange::build {

// The names every build file sees besides the universal builtins.
starlark::StringDict BuildApiPredeclared();

starlark::Value WrapDefinition(DefinitionPtr definition);
// The definition a value holds, or null if it holds none.
DefinitionPtr DefinitionOf(const starlark::Value& value);

// Put into each evaluating Thread's locals by whoever runs build files: a
// digest of every script source evaluated, so that definitions made by
// Starlark callbacks change their hash when any script changes.
inline constexpr char kScriptDigestLocal[] = "tinyrange.script_digest";

}  // namespace tinyrange::build
