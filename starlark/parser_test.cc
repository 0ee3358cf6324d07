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

}  // namespace
}  // namespace tinyrange::starlark
