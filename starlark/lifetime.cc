#include "starlark/lifetime.h"

#include <map>

#include "starlark/value.h"

namespace tinyrange::starlark {
namespace {

struct ModuleHandle {
  std::shared_ptr<ModuleState> state;
};

// Deletes a handle and collects its module. Its type also marks a value as
// some module's export (std::get_deleter), which the collector must not
// look into: that module's own handle decides about it.
struct HandleDeleter {
  void operator()(ModuleHandle* h) const noexcept {
    std::shared_ptr<ModuleState> state = std::move(h->state);
    delete h;
    CollectModule(std::move(state));
  }
};

// Trial deletion over one module's graph: count the references each object
// gets from inside the graph; any more than that come from outside and make
// it live, with everything it reaches. Only objects that can hold references
// are nodes: containers, builtins (their receiver), the module's own
// functions, frames and the module state. Embedder types and builtins'
// captures are opaque: what they hold looks referenced from outside, which
// errs towards keeping.
class Collector {
 public:
  explicit Collector(std::shared_ptr<ModuleState> mod) : mod_(mod) {
    Add(std::move(mod), NodeKind::kModule, nullptr);
  }

  void Run() {
    for (size_t i = 0; i < nodes_.size(); i++) Expand(i);
    std::vector<size_t> work;
    for (size_t i = 0; i < nodes_.size(); i++) {
      // Our own reference is the one in refs_.
      long outside = refs_[i].use_count() - 1 - nodes_[i].internal;
      if (outside > 0) {
        nodes_[i].live = true;
        work.push_back(i);
      }
    }
    while (!work.empty()) {
      size_t i = work.back();
      work.pop_back();
      for (size_t j : nodes_[i].out) {
        if (!nodes_[j].live) {
          nodes_[j].live = true;
          work.push_back(j);
        }
      }
    }
    for (auto& n : nodes_) {
      if (n.live || !n.fn) continue;
      n.fn->module_keep.reset();
      n.fn->closure_keep.reset();
    }
    // Dropping refs_ (when the collector goes) frees what was cut loose.
  }

 private:
  enum class NodeKind { kValue, kEnv, kModule };
  struct Node {
    NodeKind kind = NodeKind::kValue;
    const void* ptr = nullptr;
    FunctionObj* fn = nullptr;  // one of the module's functions
    long internal = 0;          // references from other nodes
    std::vector<size_t> out;
    bool live = false;
  };

  // Counts a reference from node `from` (if any) to `p`, a node of kind `k`.
  void Add(std::shared_ptr<const void> p, NodeKind k, const Node* from) {
    size_t from_index = from ? static_cast<size_t>(from - nodes_.data()) : 0;
    auto [it, added] = index_.try_emplace(std::weak_ptr<const void>(p), nodes_.size());
    if (added) {
      Node n;
      n.kind = k;
      n.ptr = p.get();
      nodes_.push_back(std::move(n));
      refs_.push_back(std::move(p));
    }
    if (from) {
      nodes_[it->second].internal++;
      nodes_[from_index].out.push_back(it->second);
    }
  }

  void AddValue(const Value& v, size_t from) {
    if (!v || std::get_deleter<HandleDeleter>(v)) return;
    switch (v->kind()) {
      case Kind::kList: case Kind::kTuple: case Kind::kDict: case Kind::kSet:
      case Kind::kStruct: case Kind::kModule: case Kind::kBuiltin:
        break;
      case Kind::kFunction: {
        // Another module's function is that module's business.
        auto& f = As<FunctionObj>(v);
        if (f.module.owner_before(mod_) || mod_.owner_before(f.module)) return;
        break;
      }
      default: return;  // holds no values, or is opaque
    }
    Add(v, NodeKind::kValue, &nodes_[from]);
    Node& n = nodes_[nodes_[from].out.back()];
    if (v->kind() == Kind::kFunction) n.fn = &As<FunctionObj>(v);
  }

  void Expand(size_t i) {
    switch (nodes_[i].kind) {
      case NodeKind::kModule:
        for (auto& v : static_cast<const ModuleState*>(nodes_[i].ptr)->globals) AddValue(v, i);
        break;
      case NodeKind::kEnv: {
        auto* env = static_cast<const Env*>(nodes_[i].ptr);
        for (auto& v : env->slots) AddValue(v, i);
        if (env->parent) Add(env->parent, NodeKind::kEnv, &nodes_[i]);
        break;
      }
      case NodeKind::kValue: ExpandValue(*static_cast<const Object*>(nodes_[i].ptr), i); break;
    }
  }

  void ExpandValue(const Object& o, size_t i) {
    switch (o.kind()) {
      case Kind::kList:
        for (auto& v : static_cast<const ListObj&>(o).elems) AddValue(v, i);
        break;
      case Kind::kTuple:
        for (auto& v : static_cast<const TupleObj&>(o).elems) AddValue(v, i);
        break;
      case Kind::kDict: case Kind::kSet: {
        const HashTable& t = o.kind() == Kind::kDict ? static_cast<const DictObj&>(o).table
                                                     : static_cast<const SetObj&>(o).table;
        for (auto& en : t.entries()) {
          if (!en.key) continue;
          AddValue(en.key, i);
          AddValue(en.value, i);
        }
        break;
      }
      case Kind::kStruct: case Kind::kModule:
        for (auto& [name, v] : static_cast<const StructObj&>(o).fields) AddValue(v, i);
        break;
      case Kind::kBuiltin: AddValue(static_cast<const BuiltinObj&>(o).self, i); break;
      case Kind::kFunction: {
        auto& f = static_cast<const FunctionObj&>(o);
        for (auto& v : f.defaults) AddValue(v, i);
        if (f.closure_keep) Add(f.closure_keep, NodeKind::kEnv, &nodes_[i]);
        if (f.module_keep) Add(f.module_keep, NodeKind::kModule, &nodes_[i]);
        break;
      }
      default: break;
    }
  }

  std::weak_ptr<ModuleState> mod_;  // weak: must not add to the count it judges
  std::vector<Node> nodes_;
  std::vector<std::shared_ptr<const void>> refs_;  // keeps nodes alive while we look
  std::map<std::weak_ptr<const void>, size_t, std::owner_less<>> index_;
};

}  // namespace

std::shared_ptr<void> NewModuleHandle(std::shared_ptr<ModuleState> mod) {
  return std::shared_ptr<ModuleHandle>(new ModuleHandle{std::move(mod)}, HandleDeleter{});
}

void CollectModule(std::shared_ptr<ModuleState> mod) {
  if (!mod) return;
  Collector c(std::move(mod));
  c.Run();
}

void ReleaseFrame(Env& env, const FuncDecl& decl) {
  auto c = decl.captured.begin();
  for (size_t i = 0; i < env.slots.size(); i++) {
    while (c != decl.captured.end() && static_cast<size_t>(*c) < i) ++c;
    if (c != decl.captured.end() && static_cast<size_t>(*c) == i) continue;
    env.slots[i] = nullptr;
  }
}

}  // namespace tinyrange::starlark
