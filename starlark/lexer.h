// Tokenizer: turns source text into tokens, synthesising NEWLINE, INDENT
// and OUTDENT from line structure the way the spec describes.
#pragma once

#include <string>
#include <vector>

#include "starlark/bigint.h"

namespace tinyrange::starlark {

enum class Tok {
  kEof, kNewline, kIndent, kOutdent, kIdent, kKeyword, kInt, kFloat, kString, kBytes, kOp,
};

struct Token {
  Tok kind = Tok::kEof;
  std::string text;  // identifier/keyword/operator text, or decoded string value
  BigInt int_value;
  double float_value = 0;
  int line = 0, col = 0;
  bool Is(const char* s) const { return (kind == Tok::kOp || kind == Tok::kKeyword) && text == s; }
};

struct SyntaxError {
  int line, col;
  std::string msg;
};

// Appends errors to `errors`; always returns a token stream ending in kEof.
std::vector<Token> Tokenize(const std::string& src, std::vector<SyntaxError>& errors);

}  // namespace tinyrange::starlark
