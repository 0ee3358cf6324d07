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
  // A NEWLINE that ends a statement whose bracket was never closed: the
  // lexer has reported it, so the parser does not report it again here.
  // (Next to `kind`, where it fits in padding.)
  bool cut = false;
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
// The same, recovering from brackets that are never closed: each is
// reported ("unclosed '(' opened at L:C"), and the statement is cut short
// where a later line plausibly starts a new one (or at the end), so that
// later lines are still tokenized as statements. `*unclosed` is the number
// of such errors, after which parsing may go on.
std::vector<Token> Tokenize(const std::string& src, std::vector<SyntaxError>& errors, int* unclosed);

}  // namespace tinyrange::starlark
