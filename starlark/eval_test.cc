#include "starlark/eval.h"

#include <gtest/gtest.h>

#include "starlark/builtins.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {
namespace {

// Runs src and returns repr(result) of the global `x`, or "error: msg".
std::string RunSrc(const std::string& src, Dialect d = {}) {
  Thread th;
  try {
    auto g = ExecFile(th, "t.star", src, StandardLibrary(), d);
    auto it = g.find("x");
    return it == g.end() ? "<no x>" : Repr(it->second);
  } catch (Error& e) {
    return "error: " + e.message();
  }
}

TEST(Eval, Arithmetic) {
  EXPECT_EQ(RunSrc("x = 1 + 2 * 3 - 7 // 2"), "4");
  EXPECT_EQ(RunSrc("x = 2 ** 3" ), "error: t.star:1:7: got **, want newline");
  EXPECT_EQ(RunSrc("x = 1 << 70"), "1180591620717411303424");
  EXPECT_EQ(RunSrc("x = -7 % 3"), "2");
  EXPECT_EQ(RunSrc("x = 7 / 2"), "3.5");
  EXPECT_EQ(RunSrc("x = 1 // 0"), "error: integer division by zero");
}

TEST(Eval, FloatFormatting) {
  EXPECT_EQ(RunSrc("x = 1.0"), "1.0");
  EXPECT_EQ(RunSrc("x = 1e6"), "1e+06");
  EXPECT_EQ(RunSrc("x = 0.1 + 0.2"), "0.30000000000000004");
  EXPECT_EQ(RunSrc("x = 1e-5"), "1e-05");
  EXPECT_EQ(RunSrc("x = 123456.5"), "123456.5");
  EXPECT_EQ(RunSrc("x = '%f %e %g' % (1.5, 1.5, 1.5)"), "\"1.500000 1.500000e+00 1.5\"");
}

TEST(Eval, FunctionsAndClosures) {
  EXPECT_EQ(RunSrc("def f(a, b=2, *args, c=3, **kw):\n  return (a, b, args, c, kw)\nx = f(1, 5, 6, c=4, d=7)"),
            "(1, 5, (6,), 4, {\"d\": 7})");
  EXPECT_EQ(RunSrc("def mk(n):\n  def add(x):\n    return x + n\n  return add\nx = mk(3)(4)"), "7");
  EXPECT_EQ(RunSrc("x = [y * y for y in range(5) if y % 2]"), "[1, 9]");
  EXPECT_EQ(RunSrc("x = {k: v for k, v in [(1, 2), (3, 4)]}"), "{1: 2, 3: 4}");
  EXPECT_EQ(RunSrc("x = (lambda a, b: a - b)(5, 3)"), "2");
}

TEST(Eval, FrozenAfterExecution) {
  Thread th;
  auto g = ExecFile(th, "t.star", "x = [1]\n", {}, {});
  Args args;
  args.positional.push_back(MakeInt(2));
  Value append = GetAttr(g["x"], "append");
  EXPECT_THROW(Call(th, append, args), Error);
}

TEST(Eval, MutationDuringIteration) {
  EXPECT_EQ(RunSrc("def f():\n  l = [1]\n  for y in l:\n    l.append(y)\nf()"),
            "error: append: cannot append to list during iteration");
}

TEST(Eval, StaticErrors) {
  EXPECT_EQ(RunSrc("x = y"), "error: t.star:1:5: undefined: y");
  // Misspellings get a hint from the names in scope and the builtins.
  EXPECT_EQ(RunSrc("x = lenn([])"), "error: t.star:1:5: undefined: lenn (did you mean len?)");
  EXPECT_EQ(RunSrc("counter = 1\ndef f():\n  return countre + 1\n"),
            "error: t.star:3:10: undefined: countre (did you mean counter?)");
  EXPECT_EQ(RunSrc("def f():\n  return f()\nx = f()"), "error: function f called recursively");
  Dialect d;
  d.recursion = true;
  EXPECT_EQ(RunSrc("def f(n):\n  return 1 if n == 0 else n * f(n - 1)\nx = f(20)", d), "2432902008176640000");
}

TEST(Eval, StepBudgetCancels) {
  Thread th;
  th.max_steps = 1000;
  EXPECT_THROW(ExecFile(th, "t.star", "def f():\n  for i in range(1000000):\n    pass\nf()\n", {}, {}), Error);
}

}  // namespace
}  // namespace tinyrange::starlark
