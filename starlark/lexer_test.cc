#include "starlark/lexer.h"

#include <gtest/gtest.h>

namespace tinyrange::starlark {
namespace {

std::vector<Tok> Kinds(const std::string& src) {
  std::vector<SyntaxError> errors;
  std::vector<Tok> out;
  for (auto& t : Tokenize(src, errors)) out.push_back(t.kind);
  EXPECT_TRUE(errors.empty());
  return out;
}

TEST(Lexer, IndentationProducesIndentAndOutdent) {
  auto k = Kinds("if x:\n  y\nz\n");
  std::vector<Tok> want = {Tok::kKeyword, Tok::kIdent, Tok::kOp, Tok::kNewline, Tok::kIndent, Tok::kIdent,
                           Tok::kNewline, Tok::kOutdent, Tok::kIdent, Tok::kNewline, Tok::kEof};
  EXPECT_EQ(k, want);
}

TEST(Lexer, NewlinesInsideBracketsAreIgnored) {
  auto k = Kinds("f(1,\n  2)\n");
  EXPECT_EQ(std::count(k.begin(), k.end(), Tok::kNewline), 1);
}

TEST(Lexer, StringLiterals) {
  std::vector<SyntaxError> errors;
  auto t = Tokenize(R"("a\tb" r"a\tb" b"\xff" '''x
y''' "\u00e9")", errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(t[0].text, "a\tb");
  EXPECT_EQ(t[1].text, "a\\tb");
  EXPECT_EQ(t[2].kind, Tok::kBytes);
  EXPECT_EQ(t[2].text, "\xff");
  EXPECT_EQ(t[3].text, "x\ny");
  EXPECT_EQ(t[4].text, "\xc3\xa9");
}

TEST(Lexer, Numbers) {
  std::vector<SyntaxError> errors;
  auto t = Tokenize("0x1F 0o17 0b101 1.5e3 .5 123456789012345678901234567890", errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(t[0].int_value.Small(), 31);
  EXPECT_EQ(t[1].int_value.Small(), 15);
  EXPECT_EQ(t[2].int_value.Small(), 5);
  EXPECT_EQ(t[3].float_value, 1500.0);
  EXPECT_EQ(t[4].float_value, 0.5);
  EXPECT_EQ(t[5].int_value.ToString(), "123456789012345678901234567890");
}

TEST(Lexer, ReportsPositionsOfErrors) {
  std::vector<SyntaxError> errors;
  Tokenize("x = 1\ny = 'abc\n", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_EQ(errors[0].col, 5);
}

}  // namespace
}  // namespace tinyrange::starlark
