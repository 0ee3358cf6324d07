// Module lifetime (lifetime.h): modules full of reference cycles are freed
// once nothing refers to them, and values taken out of a module keep
// working for as long as they are held.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "starlark/builtins.h"
#include "starlark/eval.h"
#include "starlark/lifetime.h"
#include "starlark/loader.h"

namespace tinyrange::starlark {
namespace {

// Counts its live instances, so a test can see what was freed.
class Probe final : public Object {
 public:
  explicit Probe(std::atomic<int>* live) : Object(Kind::kOther), live_(live) { ++*live_; }
  ~Probe() override { --*live_; }
  std::string TypeName() const override { return "probe"; }

 private:
  std::atomic<int>* live_;
};

StringDict WithProbe(std::atomic<int>* live) {
  StringDict pre = StandardLibrary();
  pre["probe"] = std::make_shared<BuiltinObj>(
      "probe", [live](Thread&, const Value&, Args&) -> Value { return std::make_shared<Probe>(live); });
  return pre;
}

Value CallNoArgs(Thread& th, const Value& fn) {
  Args none;
  return Call(th, fn, none);
}

// Globals holding functions (module <-> function), a nested def kept by
// its own frame (frame <-> function), recursion, and a struct of lambdas.
constexpr const char* kCyclic =
    "p = probe()\n"
    "def f():\n  return p\n"
    "def outer():\n  q = probe()\n  def inner():\n    return (q, inner)\n  return inner\n"
    "g = outer()\n"
    "def rec(n):\n  return rec\n"
    "s = struct(fn = lambda: p, items = [f, g, rec])\n";

TEST(Lifetime, ModuleWithCyclesIsFreedWhenResultsGo) {
  std::atomic<int> live{0};
  {
    Thread th;
    StringDict g = ExecFile(th, "m.star", kCyclic, WithProbe(&live), {});
    EXPECT_EQ(live.load(), 2);
    EXPECT_EQ(CallNoArgs(th, g["f"]).get(), g["p"].get());
  }
  EXPECT_EQ(live.load(), 0);
}

TEST(Lifetime, ModuleIsFreedAfterARuntimeError) {
  std::atomic<int> live{0};
  {
    Thread th;
    EXPECT_THROW(ExecFile(th, "m.star", std::string(kCyclic) + "fail('late')\n", WithProbe(&live), {}), Error);
  }
  EXPECT_EQ(live.load(), 0);
}

TEST(Lifetime, HeldExportKeepsModuleWorkingOnAnotherThread) {
  std::atomic<int> live{0};
  Value s;
  {
    Thread th;
    StringDict g = ExecFile(th, "m.star", kCyclic, WithProbe(&live), {});
    s = g["s"];
  }
  // Everything but the struct is gone; its lambda still reads the module's
  // globals.
  EXPECT_EQ(live.load(), 2);
  std::string got;
  std::thread t([&] {
    Thread th;
    got = CallNoArgs(th, s->Attr("fn"))->TypeName();
  });
  t.join();
  EXPECT_EQ(got, "probe");
  s.reset();
  EXPECT_EQ(live.load(), 0);
}

TEST(Lifetime, LoaderModulesAreFreedWithTheLoaderAndTheirUsers) {
  std::atomic<int> live{0};
  Value use;
  {
    auto loader = std::make_unique<Loader>(
        WithProbe(&live), Dialect{}, [](const std::string& m, std::string* file, std::string* src, std::string*) {
          *file = m;
          if (m == "a.star") *src = "p = probe()\ndef get():\n  return p\n";
          else if (m == "b.star") *src = "load('a.star', 'get')\nbox = struct(get = get, also = lambda: get())\n";
          else return false;
          return true;
        });
    Thread th;
    loader->Attach(th);
    StringDict g = ExecFile(th, "main.star", "load('b.star', 'box')\ndef use():\n  return box.also()\n",
                            WithProbe(&live), {});
    use = g["use"];
    loader.reset();  // its cache goes; main.star's load binding still holds b, b holds a
    EXPECT_EQ(live.load(), 1);
  }
  Thread th;
  EXPECT_EQ(CallNoArgs(th, use)->TypeName(), "probe");
  use.reset();
  EXPECT_EQ(live.load(), 0);
}

TEST(Lifetime, ClosuresMadeAtRunTimeDoNotKeepTheirFrame) {
  std::atomic<int> live{0};
  Thread th;
  StringDict g = ExecFile(th, "m.star",
                          "def make():\n  x = probe()\n  def helper():\n    return 1\n  return helper\n"
                          "def capture():\n  y = probe()\n  return lambda: y\n",
                          WithProbe(&live), {});
  for (int i = 0; i < 3; i++) {
    Value helper = CallNoArgs(th, g["make"]);
    Value lambda = CallNoArgs(th, g["capture"]);
    EXPECT_EQ(live.load(), 1);  // x went with make's frame; y is captured
    EXPECT_EQ(CallNoArgs(th, lambda)->TypeName(), "probe");
  }
  EXPECT_EQ(live.load(), 0);
}

TEST(Lifetime, ValuesReferencedFromOutsideAreKept) {
  // The collector is asked directly while an outside reference exists: it
  // must leave the module working.
  std::atomic<int> live{0};
  Thread th;
  StringDict g = ExecFile(th, "m.star", kCyclic, WithProbe(&live), {});
  Value f = g["f"];
  g.clear();
  EXPECT_EQ(CallNoArgs(th, f)->TypeName(), "probe");
  EXPECT_EQ(live.load(), 2);
  // Read back through the struct too, and let go of everything.
  f.reset();
  EXPECT_EQ(live.load(), 0);
}

}  // namespace
}  // namespace tinyrange::starlark
