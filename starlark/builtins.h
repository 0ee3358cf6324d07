// Builtin construction helpers and the standard library modules that an
// embedder may predeclare (struct, module, json, math).
#pragma once

#include <string>

#include "starlark/eval.h"

namespace tinyrange::starlark {

Value MakeBuiltin(const std::string& name, Value (*fn)(Thread&, const Value&, Args&));
// A module value (type "module") with the given members.
Value MakeModule(const std::string& name, std::vector<std::pair<std::string, Value>> members);

// struct(**kwargs) and module(name, **kwargs).
Value StructBuiltin();
Value ModuleBuiltin();
Value JsonModule();
Value MathModule();

// struct, module, json and math, ready to pass as predeclared names.
StringDict StandardLibrary();

}  // namespace tinyrange::starlark
