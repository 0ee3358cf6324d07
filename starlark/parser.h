// Recursive-descent parser from tokens to the syntax tree. After an error
// it skips to the next line and continues, so every recoverable error is
// reported in one pass; a bracket that is never closed ends its statement
// where the lexer cuts it (Tokenize), so it does not swallow the rest.
#pragma once

#include <string>
#include <vector>

#include "starlark/ast.h"
#include "starlark/lexer.h"

namespace tinyrange::starlark {

// Parses `src`; errors (lexical and syntactic) are appended to `errors`.
std::unique_ptr<File> Parse(const std::string& filename, const std::string& src,
                            std::vector<SyntaxError>& errors);

}  // namespace tinyrange::starlark
