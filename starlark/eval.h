// The evaluator and the embedding API: threads, functions, module execution.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "starlark/ast.h"
#include "starlark/resolve.h"
#include "starlark/value.h"

namespace tinyrange::starlark {

// Names visible to a module besides its own globals, in lookup order after
// the predeclared ones: the universal builtins.
using StringDict = std::map<std::string, Value>;

// A frame's slots. Closures keep their defining frame alive, which is how
// nested functions see enclosing locals. When a call returns, the slots no
// nested function refers to are cleared (FuncDecl::captured), so that a
// returned `def` does not keep itself alive through its own frame.
struct Env {
  std::vector<Value> slots;
  std::shared_ptr<Env> parent;
};

// State shared by a module's functions: its globals and syntax tree. The
// globals vector also holds the file block (names bound by load(); see
// File::loaded). Owned as described in lifetime.h.
struct ModuleState {
  std::unique_ptr<File> file;
  std::vector<Value> globals;
  Dialect dialect;
};

class FunctionObj final : public Object {
 public:
  FunctionObj() : Object(Kind::kFunction) {}
  std::string TypeName() const override { return "function"; }
  std::string Repr() const override { return "<function " + decl->name + ">"; }
  size_t Hash() const override { return std::hash<const void*>()(this); }
  void Freeze() override;
  std::shared_ptr<FuncDecl> decl;
  std::vector<Value> defaults;  // per decl->param_names; null if required
  // Evaluation reads only the weak pointers. The strong `*_keep` ones keep
  // the frame and the module alive while the function is; they are written
  // once more only by the module collector (lifetime.cc), which cuts them
  // to break the module <-> function and frame <-> function cycles. Keeping
  // the two apart means a reader never races with the collector.
  std::weak_ptr<Env> closure;
  std::shared_ptr<Env> closure_keep;
  std::weak_ptr<ModuleState> module;
  std::shared_ptr<ModuleState> module_keep;
  bool frozen = false;
};

// Per-thread execution state. One Thread runs one evaluation at a time;
// separate Threads may run in parallel on separate modules.
class Thread {
 public:
  std::string name;
  // Receives print() output; defaults to stderr.
  std::function<void(Thread&, const std::string&)> print;
  // Resolves load("module") to the module's exported globals.
  std::function<StringDict(Thread&, const std::string&)> load;
  // Cancellation: checked at every loop iteration and call.
  const std::atomic<bool>* cancel = nullptr;
  uint64_t max_steps = 0;  // 0: unlimited
  uint64_t steps = 0;
  int max_depth = 1000;
  // Embedder data keyed by name.
  std::unordered_map<std::string, std::shared_ptr<void>> locals;

  // Internal: call stack for recursion checks and tracebacks.
  std::vector<const Object*> call_stack;
  bool recursion_allowed = false;

  void Step() {
    if ((max_steps && ++steps > max_steps)) Fail("Starlark computation cancelled: too many steps");
    if (cancel && cancel->load(std::memory_order_relaxed)) Fail("Starlark computation cancelled");
  }
};

// Calls any callable value.
Value Call(Thread& th, const Value& fn, Args& args);
// Calls a core type's method (see methods.h) on `self`.
using MethodFn = Value (*)(Thread&, const Value& self, Args&);
Value CallMethod(Thread& th, MethodFn method, const Value& self, const std::string& name, Args& args);

// Compiles and executes a module. `predeclared` names shadow the universal
// builtins. Throws Error for runtime errors; syntax errors are thrown as a
// single Error listing every one (with `syntax` set). Returns the module's
// globals, frozen unless `freeze` is false (the REPL keeps them mutable
// from one input to the next). The returned values share one handle on
// the module (lifetime.h): the module lives while any of them does, and its
// reference cycles are broken when the last one goes.
StringDict ExecFile(Thread& th, const std::string& filename, const std::string& src,
                    const StringDict& predeclared, const Dialect& dialect, bool freeze = true);

// The universal builtins (abs, len, ...), shared by all modules.
const StringDict& Universe();

}  // namespace tinyrange::starlark
