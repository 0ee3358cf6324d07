#include "starlark/parser.h"

#include <gtest/gtest.h>

namespace tinyrange::starlark {
namespace {

TEST(Parser, PrecedenceAndPositions) {
  std::vector<SyntaxError> errors;
  auto f = Parse("t.star", "x = 1 + 2 * 3\n", errors);
  ASSERT_TRUE(errors.empty());
  ASSERT_EQ(f->stmts.size(), 1u);
  const Expr& rhs = *f->stmts[0]->rhs;
  EXPECT_EQ(rhs.op, "+");
  EXPECT_EQ(rhs.line, 1);
  EXPECT_EQ(rhs.col, 7);
  EXPECT_EQ(rhs.b->op, "*");
}

TEST(Parser, RecoversAndReportsEveryError) {
  std::vector<SyntaxError> errors;
  Parse("t.star", "x = = 1\ny = 2\nz = )\n", errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].line, 1);
  EXPECT_EQ(errors[1].line, 3);
}

TEST(Parser, ComparisonsDoNotAssociate) {
  std::vector<SyntaxError> errors;
  Parse("t.star", "a < b < c\n", errors);
  EXPECT_EQ(errors.size(), 1u);
}

TEST(Parser, DefLambdaComprehension) {
  std::vector<SyntaxError> errors;
  auto f = Parse("t.star",
                 "def f(a, b=1, *args, c, **kw):\n  return [x for x in a if x]\ng = lambda x: x\n", errors);
  ASSERT_TRUE(errors.empty()) << errors[0].msg;
  EXPECT_EQ(f->stmts[0]->func->params.size(), 5u);
  EXPECT_EQ(f->stmts[1]->rhs->kind, EK::kLambda);
}

std::string Joined(const std::vector<SyntaxError>& errors) {
  std::string out;
  for (auto& e : errors) out += std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.msg + "\n";
  return out;
}

TEST(Parser, UnclosedBracketDoesNotHideLaterErrors) {
  std::vector<SyntaxError> errors;
  auto f = Parse("t.star",
                 "x = 1\n"
                 "y = foo(1,\n"
                 "        2\n"
                 "def f():\n"
                 "    return [1,\n"
                 "\n"
                 "def g():\n"
                 "    pass\n"
                 "z = 3\n"
                 "w = = 2\n",
                 errors);
  EXPECT_EQ(Joined(errors),
            "4:1: unclosed '(' opened at 2:8\n"
            "7:1: unclosed '[' opened at 5:12\n"
            "10:5: got =, want primary expression\n");
  // The statements after the cuts were parsed: x, g and z (y and f are
  // the ones cut short).
  EXPECT_EQ(f->stmts.size(), 3u);
}

TEST(Parser, UnclosedBracketAtEndOfFile) {
  std::vector<SyntaxError> errors;
  Parse("t.star", "x = 1\ny = {\"a\": [1,\n  2]\n", errors);
  EXPECT_EQ(Joined(errors), "4:1: unclosed '{' opened at 2:5\n");
}

TEST(Parser, ErrorsInsideAnUnclosedBracketAreReportedToo) {
  std::vector<SyntaxError> errors;
  Parse("t.star", "y = foo(1 +,\nz = 2\nw = = 1\n", errors);
  EXPECT_EQ(Joined(errors),
            "1:12: got ,, want primary expression\n"
            "2:1: unclosed '(' opened at 1:8\n"
            "3:5: got =, want primary expression\n");
}

TEST(Parser, KeywordArgumentsInColumnOneAreFineWhenClosed) {
  std::vector<SyntaxError> errors;
  Parse("t.star", "f(\nx = 1,\ny = [\n2])\n", errors);
  EXPECT_TRUE(errors.empty()) << Joined(errors);
}

}  // namespace
}  // namespace tinyrange::starlark
