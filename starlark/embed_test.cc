// The embedding API: builtins, custom types, loader caching, threads.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "starlark/builtins.h"
#include "starlark/eval.h"
#include "starlark/loader.h"
#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {
namespace {

// An embedder type with a field and a method.
class Point final : public Object {
 public:
  Point(int64_t x, int64_t y) : Object(Kind::kOther), x_(x), y_(y) {}
  std::string TypeName() const override { return "point"; }
  std::string Repr() const override { return "point(" + std::to_string(x_) + ", " + std::to_string(y_) + ")"; }
  size_t Hash() const override { return static_cast<size_t>(x_ * 31 + y_); }
  Value Attr(std::string_view name) const override {
    if (name == "x") return MakeInt(x_);
    if (name == "y") return MakeInt(y_);
    if (name == "sum") {
      int64_t s = x_ + y_;
      return std::make_shared<BuiltinObj>("point.sum", [s](Thread&, const Value&, Args& args) {
        UnpackPositional("sum", args, 0, 0, {});
        return MakeInt(s);
      });
    }
    return nullptr;
  }
  std::vector<std::string> AttrNames() const override { return {"sum", "x", "y"}; }

 private:
  int64_t x_, y_;
};

Value MakePoint(Thread&, const Value&, Args& args) {
  Value x, y;
  Unpack("point", args, {"x", "y?"}, {&x, &y});
  return std::make_shared<Point>(WantInt("point", "x", x), y ? WantInt("point", "y", y) : 0);
}

TEST(Embed, BuiltinTypeWithAttributes) {
  Thread th;
  StringDict pre = {{"point", MakeBuiltin("point", MakePoint)}};
  auto g = ExecFile(th, "t.star",
                    "p = point(1, y = 2)\nx = (p.x, p.y, p.sum(), dir(p), type(p), str(p))\n", pre, {});
  EXPECT_EQ(Repr(g["x"]), "(1, 2, 3, [\"sum\", \"x\", \"y\"], \"point\", \"point(1, 2)\")");
}

TEST(Embed, ArgumentErrorsNameTheBuiltin) {
  Thread th;
  StringDict pre = {{"point", MakeBuiltin("point", MakePoint)}};
  try {
    ExecFile(th, "t.star", "point(z = 1)\n", pre, {});
    FAIL();
  } catch (Error& e) {
    EXPECT_EQ(e.message(), "point: unexpected keyword argument z");
    EXPECT_NE(e.Render().find("Error in point"), std::string::npos);
    EXPECT_NE(e.Render().find("t.star:1:6"), std::string::npos);
  }
}

TEST(Embed, PrintGoesToThreadHook) {
  Thread th;
  std::string out;
  th.print = [&](Thread&, const std::string& s) { out += s + "\n"; };
  ExecFile(th, "t.star", "print('a', 1, sep = '-')\n", {}, {});
  EXPECT_EQ(out, "a-1\n");
}

TEST(Embed, CancelFlagStopsLoops) {
  Thread th;
  std::atomic<bool> cancel{true};
  th.cancel = &cancel;
  EXPECT_THROW(ExecFile(th, "t.star", "def f():\n  for i in range(10):\n    pass\nf()\n", {}, {}), Error);
}

TEST(Embed, LoaderCachesAndThreadsShareFrozenModules) {
  std::atomic<int> executions{0};
  Loader loader({}, {}, [&](const std::string& m, std::string* file, std::string* src, std::string*) {
    if (m != "lib.star") return false;
    executions++;
    *file = m;
    *src = "table = {i: str(i) for i in range(1000)}\nitems = [1, 2, 3]\ndef total():\n  return sum_(items)\n"
           "def sum_(l):\n  t = 0\n  for x in l:\n    t += x\n  return t\n";
    return true;
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; i++) {
    threads.emplace_back([&] {
      Thread th;
      loader.Attach(th);
      try {
        auto g = ExecFile(th, "main.star",
                          "load('lib.star', 'table', 'total', 'items')\n"
                          "def f():\n  n = 0\n  for k in table:\n    n += len(table[k])\n  for x in items:\n    n += x\n  return n + total()\n"
                          "x = f()\n",
                          {}, {});
        if (Repr(g["x"]) == "2902") ok++;
      } catch (Error& e) {
        ADD_FAILURE() << e.Render();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(executions.load(), 4);  // the finder runs each time; execution is cached
}

TEST(Embed, LoadedValuesAreFrozen) {
  Loader loader({}, {}, [](const std::string&, std::string* file, std::string* src, std::string*) {
    *file = "lib.star";
    *src = "l = [1]\n";
    return true;
  });
  Thread th;
  loader.Attach(th);
  try {
    ExecFile(th, "main.star", "load('lib.star', 'l')\nl.append(2)\n", {}, {});
    FAIL();
  } catch (Error& e) {
    EXPECT_EQ(e.message(), "append: cannot append to frozen list");
  }
}

TEST(Embed, SyntaxErrorsAreAllReported) {
  Thread th;
  try {
    ExecFile(th, "t.star", "x = = 1\ny = 1\ndef f(:\n  pass\nz = ]\n", {}, {});
    FAIL();
  } catch (Error& e) {
    EXPECT_NE(e.message().find("t.star:"), std::string::npos);
    EXPECT_GE(std::count(e.message().begin(), e.message().end(), '\n'), 1) << e.message();
  }
}

}  // namespace
}  // namespace tinyrange::starlark
