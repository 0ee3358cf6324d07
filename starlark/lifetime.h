// Module lifetime: who owns a module's state, and how its reference cycles
// are broken.
//
// Values are reference counted, and a module is full of cycles: its globals
// hold its functions, which hold the module (FunctionObj::module_keep) and
// their defining frame (closure_keep), which may hold them back. Functions
// must keep their module alive (a lambda in a struct may be called long
// after, on another thread), so the cycles are broken from outside:
//
// * ExecFile returns its exported values as aliases of one *handle* (the
//   shared_ptr aliasing constructor: same object, the handle's count). Any
//   copy of an exported value, the loader's cache and a loading module's
//   load bindings all hold the handle.
// * When the last alias goes, the handle collects the module: a trial
//   deletion over the graph reachable from its globals. Objects referenced
//   from outside that graph, and everything they reach, are live; if the
//   module's functions are not, their `_keep` pointers are cut and the
//   graph is freed by ordinary reference counting.
// * The collector only writes `_keep` pointers, which evaluation never
//   reads, so a (theoretical) misjudgement while another thread copies
//   values out of the graph makes a later call fail cleanly ("module
//   ... was freed") instead of touching freed memory.
#pragma once

#include <memory>

#include "starlark/eval.h"

namespace tinyrange::starlark {

// A handle on `mod`: when the last copy (or alias) of it goes, the module
// is collected.
std::shared_ptr<void> NewModuleHandle(std::shared_ptr<ModuleState> mod);

// `v` as seen from outside its module: the same object, owned through the
// module handle.
inline Value Exported(const std::shared_ptr<void>& handle, const Value& v) { return Value(handle, v.get()); }

// Breaks the cycles of `mod` if nothing outside it refers to it or to its
// values any more. Called by the handle; exposed for tests.
void CollectModule(std::shared_ptr<ModuleState> mod);

// Called when a call (or a module's top level) has finished with `env`:
// closures made in it may keep it, but need only the slots they capture.
void ReleaseFrame(Env& env, const FuncDecl& decl);

}  // namespace tinyrange::starlark
