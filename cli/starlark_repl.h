// `tr starlark` without a file: a read-eval-print loop. Multi-line input
// (a compound statement, open brackets or an open triple-quoted string)
// is read until it is complete; an expression's value is printed with
// repr() unless it is None. Globals persist from one input to the next and
// stay mutable.
#pragma once

#include <cstdio>

#include "starlark/eval.h"

namespace tinyrange::cli {

// Reads from `in` until end of input; prompts only when `interactive`.
// Returns 0 (errors are reported and the loop goes on).
int RunStarlarkRepl(FILE* in, bool interactive, const starlark::StringDict& predeclared,
                    const starlark::Dialect& dialect);

// Whether `source` is a complete input (exposed for tests).
bool StarlarkInputComplete(const std::string& source);

}  // namespace tinyrange::cli
