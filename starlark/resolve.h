// Static name resolution: binds every identifier to a frame slot, an
// enclosing frame's slot, a module global or a predeclared value, so that
// evaluation never looks names up by string. Also reports the static errors
// of the spec (undefined names, misplaced break/return/load, dialect checks).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "starlark/ast.h"
#include "starlark/lexer.h"

namespace tinyrange::starlark {

// Dialect options (spelled `# option:NAME` in a file, or set by the embedder).
struct Dialect {
  bool set = true;               // the set() builtin
  bool while_loops = false;      // while statements
  bool recursion = false;        // functions may call themselves
  bool global_reassign = false;  // top-level names may be rebound
  bool toplevel_control = false; // if/for/while at top level
  // Applies "# option:NAME" lines found in the source.
  void ApplyFileOptions(const std::string& src);
};

// Looks up a predeclared (or universal) name; null if absent.
using NameLookup = std::function<Value(const std::string&)>;

void Resolve(File& file, const NameLookup& predeclared, const Dialect& dialect,
             std::vector<SyntaxError>& errors);

}  // namespace tinyrange::starlark
