#include "starlark/resolve.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "starlark/eval.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {

void Dialect::ApplyFileOptions(const std::string& src) {
  std::istringstream in(src);
  std::string line;
  while (std::getline(in, line)) {
    auto p = line.find("option:");
    if (line.rfind("#", 0) != 0 || p == std::string::npos) continue;
    std::string name = line.substr(p + 7);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
    if (name == "set") set = true;
    else if (name == "while") while_loops = true;
    else if (name == "recursion") recursion = true;
    else if (name == "globalreassign") global_reassign = true;
    else if (name == "toplevelcontrol") toplevel_control = true;
  }
}

namespace {

struct Block {
  Block* parent = nullptr;
  FuncDecl* fn = nullptr;  // frame that owns this block's slots
  int fn_depth = 0;
  std::unordered_map<std::string, int> names;
};

class Resolver {
 public:
  Resolver(File& f, const NameLookup& lookup, const Dialect& d, std::vector<SyntaxError>& errors)
      : file_(f), lookup_(lookup), dialect_(d), errors_(errors) {}

  void Run() {
    // Top-level names are globals, bound for the whole module up front so
    // that a use before assignment is a dynamic error, as in the spec.
    std::unordered_map<std::string, std::pair<int, int>> first_binding;
    for (auto& s : file_.stmts) CollectGlobals(*s, first_binding);
    Block top;
    top.fn = &file_.toplevel;
    for (auto& s : file_.stmts) ResolveStmt(*s, top, 0, true);
  }

 private:
  void Err(int line, int col, std::string msg) { errors_.push_back({line, col, std::move(msg)}); }

  std::string DeclaredAt(const std::pair<int, int>& pos) const {
    return file_.name + ":" + std::to_string(pos.first) + ":" + std::to_string(pos.second);
  }

  void BindGlobal(Expr& id, std::unordered_map<std::string, std::pair<int, int>>& first) {
    if (file_block_.count(id.op)) {
      // With globalreassign, the assignment rebinds the load binding (the
      // name resolves to it first).
      if (!dialect_.global_reassign)
        Err(id.line, id.col, "cannot reassign local " + id.op + " declared at " + DeclaredAt(first[id.op]));
      return;
    }
    auto it = globals_.find(id.op);
    if (it == globals_.end()) {
      globals_[id.op] = static_cast<int>(file_.globals.size());
      file_.globals.push_back(id.op);
      file_.loaded.push_back(false);
      first[id.op] = {id.line, id.col};
    } else if (!dialect_.global_reassign) {
      auto& f = first[id.op];
      Err(id.line, id.col, "cannot reassign global " + id.op + " declared at " + DeclaredAt(f));
    }
  }

  // A load() binding goes into the file block: a module-level slot that is
  // not a global (not exported, see File::loaded). As in the Go
  // implementation, a name may be bound once at top level, whether by load
  // or as a global, unless the dialect allows reassignment.
  void BindLoad(Expr& id, std::unordered_map<std::string, std::pair<int, int>>& first) {
    if (file_block_.count(id.op)) {
      if (!dialect_.global_reassign) Err(id.line, id.col, "cannot reassign top-level " + id.op);
      return;
    }
    if (globals_.count(id.op) && !dialect_.global_reassign) {
      Err(id.line, id.col, "cannot reassign global " + id.op + " declared at " + DeclaredAt(first[id.op]));
      return;
    }
    file_block_[id.op] = static_cast<int>(file_.globals.size());
    file_.globals.push_back(id.op);
    file_.loaded.push_back(true);
    first[id.op] = {id.line, id.col};
  }

  void CollectTargets(Expr& e, std::vector<Expr*>& out) {
    switch (e.kind) {
      case EK::kIdent: out.push_back(&e); break;
      case EK::kTuple: case EK::kList:
        for (auto& x : e.elems) CollectTargets(*x, out);
        break;
      default: break;
    }
  }

  void CollectGlobals(Stmt& s, std::unordered_map<std::string, std::pair<int, int>>& first) {
    std::vector<Expr*> ids;
    switch (s.kind) {
      case SK::kAssign: CollectTargets(*s.lhs, ids); break;
      case SK::kAugAssign:  // x += 1 rebinds x
        if (s.lhs->kind == EK::kIdent) ids.push_back(s.lhs.get());
        break;
      case SK::kDef: ids.push_back(s.def_name.get()); break;
      case SK::kFor:
        CollectTargets(*s.lhs, ids);
        for (auto& b : s.body) CollectGlobals(*b, first);
        break;
      case SK::kIf: case SK::kWhile:
        for (auto& b : s.body) CollectGlobals(*b, first);
        for (auto& b : s.orelse) CollectGlobals(*b, first);
        break;
      case SK::kLoad:
        for (auto& l : s.loads) BindLoad(*l.local, first);
        break;
      default: break;
    }
    for (Expr* id : ids) BindGlobal(*id, first);
  }

  // Local bindings of a function body (not looking into nested functions or
  // comprehensions, which have their own blocks).
  void CollectLocals(Stmt& s, std::vector<Expr*>& out) {
    switch (s.kind) {
      case SK::kAssign: CollectTargets(*s.lhs, out); break;
      case SK::kAugAssign:
        if (s.lhs->kind == EK::kIdent) out.push_back(s.lhs.get());
        break;
      case SK::kDef: out.push_back(s.def_name.get()); break;
      case SK::kFor:
        CollectTargets(*s.lhs, out);
        for (auto& b : s.body) CollectLocals(*b, out);
        break;
      case SK::kIf: case SK::kWhile:
        for (auto& b : s.body) CollectLocals(*b, out);
        for (auto& b : s.orelse) CollectLocals(*b, out);
        break;
      default: break;
    }
  }

  int NewSlot(FuncDecl& fn, const std::string& name) {
    fn.local_names.push_back(name);
    return fn.num_locals++;
  }

  void Use(Expr& id, Block& b) {
    for (Block* x = &b; x; x = x->parent) {
      auto it = x->names.find(id.op);
      if (it != x->names.end()) {
        int d = b.fn_depth - x->fn_depth;
        id.scope = d == 0 ? Scope::kLocal : Scope::kFree;
        id.depth = d;
        id.index = it->second;
        if (d > 0) MarkCaptured(*x->fn, it->second);
        return;
      }
    }
    // The file block, then the globals: both are module-level slots.
    for (auto* names : {&file_block_, &globals_}) {
      auto g = names->find(id.op);
      if (g != names->end()) {
        id.scope = Scope::kGlobal;
        id.index = g->second;
        return;
      }
    }
    Value v = lookup_(id.op);
    if (v && !(id.op == "set" && !dialect_.set)) {
      id.scope = Scope::kPredeclared;
      id.literal = std::move(v);
      return;
    }
    Err(id.line, id.col, "undefined: " + id.op + Hint(id.op, b));
  }

  static void MarkCaptured(FuncDecl& fn, int slot) {
    auto it = std::lower_bound(fn.captured.begin(), fn.captured.end(), slot);
    if (it == fn.captured.end() || *it != slot) fn.captured.insert(it, slot);
  }

  // " (did you mean NAME?)" for a misspelt name: the names in scope here,
  // the module's globals and the universal builtins. Short names get no
  // hint: nearly everything is two edits from "x".
  std::string Hint(const std::string& name, Block& b) const {
    if (name.size() < 3) return "";
    std::vector<std::string> candidates;
    for (Block* x = &b; x; x = x->parent) {
      for (const auto& [n, slot] : x->names) candidates.push_back(n);
    }
    for (const auto& [n, slot] : globals_) candidates.push_back(n);
    for (const auto& [n, slot] : file_block_) candidates.push_back(n);
    for (const auto& [n, value] : Universe()) candidates.push_back(n);
    std::string best = ClosestName(name, candidates, std::max<size_t>(1, name.size() / 3));
    return best.empty() ? "" : " (did you mean " + best + "?)";
  }

  void Assign(Expr& lhs, Block& b) {
    switch (lhs.kind) {
      case EK::kIdent: Use(lhs, b); break;
      case EK::kTuple: case EK::kList:
        for (auto& x : lhs.elems) Assign(*x, b);
        break;
      case EK::kIndex: ResolveExpr(*lhs.a, b); ResolveExpr(*lhs.b, b); break;
      case EK::kDot: ResolveExpr(*lhs.a, b); break;
      default: Err(lhs.line, lhs.col, "can't assign to " + Describe(lhs)); break;
    }
  }

  static std::string Describe(const Expr& e) {
    switch (e.kind) {
      case EK::kLiteral: return "literal";
      case EK::kCall: return "function call";
      case EK::kSlice: return "slice expression";
      case EK::kComp: return "comprehension";
      case EK::kBinary: case EK::kAnd: case EK::kOr: return "binary expression";
      case EK::kUnary: return "unary expression";
      case EK::kCond: return "conditional expression";
      case EK::kLambda: return "lambda";
      case EK::kDict: return "dict expression";
      default: return "expression";
    }
  }

  void ResolveStmts(std::vector<StmtPtr>& ss, Block& b, int loops, bool top) {
    for (auto& s : ss) ResolveStmt(*s, b, loops, top);
  }

  void ResolveStmt(Stmt& s, Block& b, int loops, bool top) {
    bool in_func = b.fn_depth > 0;
    switch (s.kind) {
      case SK::kExpr: ResolveExpr(*s.rhs, b); break;
      case SK::kAssign:
        ResolveExpr(*s.rhs, b);
        Assign(*s.lhs, b);
        break;
      case SK::kAugAssign:
        if (s.lhs->kind != EK::kIdent && s.lhs->kind != EK::kIndex && s.lhs->kind != EK::kDot) {
          Err(s.lhs->line, s.lhs->col, "can't use augmented assignment with " + Describe(*s.lhs));
          break;
        }
        ResolveExpr(*s.rhs, b);
        Assign(*s.lhs, b);
        break;
      case SK::kDef:
        ResolveFunction(*s.func, b);
        Assign(*s.def_name, b);
        break;
      case SK::kIf:
        if (!in_func && !dialect_.toplevel_control && top)
          Err(s.line, s.col, "if statement not within a function");
        ResolveExpr(*s.rhs, b);
        ResolveStmts(s.body, b, loops, false);
        ResolveStmts(s.orelse, b, loops, false);
        break;
      case SK::kFor:
        if (!in_func && !dialect_.toplevel_control && top)
          Err(s.line, s.col, "for loop not within a function");
        ResolveExpr(*s.rhs, b);
        Assign(*s.lhs, b);
        ResolveStmts(s.body, b, loops + 1, false);
        break;
      case SK::kWhile:
        if (!dialect_.while_loops) Err(s.line, s.col, "dialect does not support while loops");
        else if (!in_func && !dialect_.toplevel_control && top)
          Err(s.line, s.col, "while loop not within a function");
        ResolveExpr(*s.rhs, b);
        ResolveStmts(s.body, b, loops + 1, false);
        break;
      case SK::kReturn:
        if (!in_func) Err(s.line, s.col, "return statement not within a function");
        if (s.rhs) ResolveExpr(*s.rhs, b);
        break;
      case SK::kBreak:
        if (loops == 0) Err(s.line, s.col, "break not in a loop");
        break;
      case SK::kContinue:
        if (loops == 0) Err(s.line, s.col, "continue not in a loop");
        break;
      case SK::kPass: break;
      case SK::kLoad:
        if (in_func || !top) {
          Err(s.line, s.col, "load statement within a function");
          break;
        }
        for (auto& l : s.loads) Use(*l.local, b);
        break;
    }
  }

  void ResolveFunction(FuncDecl& fn, Block& outer) {
    Block fb;
    fb.parent = &outer;
    fb.fn = &fn;
    fb.fn_depth = outer.fn_depth + 1;
    std::unordered_set<std::string> seen;
    bool seen_star = false, seen_optional = false;
    std::vector<Param*> positional, kwonly;
    Param *star = nullptr, *starstar = nullptr;
    for (auto& p : fn.params) {
      if (!p.name.empty() && !seen.insert(p.name).second) Err(p.line, p.col, "duplicate parameter: " + p.name);
      if (starstar) Err(p.line, p.col, "parameter may not follow **" + starstar->name);
      switch (p.kind) {
        case Param::kNormal:
          if (p.dflt) {
            ResolveExpr(*p.dflt, outer);
            seen_optional = true;
          } else if (seen_optional && !seen_star) {
            Err(p.line, p.col, "required parameter may not follow optional");
          }
          (seen_star ? kwonly : positional).push_back(&p);
          break;
        case Param::kStar:
          if (seen_star) Err(p.line, p.col, "multiple * parameters not allowed");
          seen_star = true;
          star = &p;
          break;
        case Param::kStarStar:
          starstar = &p;
          break;
      }
    }
    if (star && star->name.empty() && kwonly.empty())
      Err(star->line, star->col, "bare * must be followed by keyword-only parameters");
    for (Param* p : positional) {
      fb.names[p->name] = NewSlot(fn, p->name);
      fn.param_names.push_back(p->name);
      fn.defaults.push_back(p->dflt.get());
    }
    for (Param* p : kwonly) {
      fb.names[p->name] = NewSlot(fn, p->name);
      fn.param_names.push_back(p->name);
      fn.defaults.push_back(p->dflt.get());
    }
    fn.num_positional = static_cast<int>(positional.size());
    fn.num_kwonly = static_cast<int>(kwonly.size());
    if (star && !star->name.empty()) fn.varargs_slot = fb.names[star->name] = NewSlot(fn, star->name);
    if (starstar) fn.kwargs_slot = fb.names[starstar->name] = NewSlot(fn, starstar->name);
    std::vector<Expr*> locals;
    for (auto& s : fn.body) CollectLocals(*s, locals);
    for (Expr* id : locals)
      if (!fb.names.count(id->op)) fb.names[id->op] = NewSlot(fn, id->op);
    ResolveStmts(fn.body, fb, 0, false);
  }

  void ResolveExpr(Expr& e, Block& b) {
    switch (e.kind) {
      case EK::kIdent: Use(e, b); break;
      case EK::kLiteral: break;
      case EK::kList: case EK::kTuple: case EK::kDict:
        for (auto& x : e.elems) ResolveExpr(*x, b);
        break;
      case EK::kComp: {
        // The first iterable is evaluated in the enclosing block.
        ResolveExpr(*e.clauses[0].expr, b);
        Block cb;
        cb.parent = &b;
        cb.fn = b.fn;
        cb.fn_depth = b.fn_depth;
        for (auto& cl : e.clauses) {
          if (!cl.is_for) continue;
          std::vector<Expr*> ids;
          CollectTargets(*cl.vars, ids);
          for (Expr* id : ids)
            if (!cb.names.count(id->op)) cb.names[id->op] = NewSlot(*b.fn, id->op);
        }
        bool first = true;
        for (auto& cl : e.clauses) {
          if (cl.is_for) {
            if (!first) ResolveExpr(*cl.expr, cb);
            Assign(*cl.vars, cb);
          } else {
            ResolveExpr(*cl.expr, cb);
          }
          first = false;
        }
        ResolveExpr(*e.a, cb);
        if (e.b) ResolveExpr(*e.b, cb);
        break;
      }
      case EK::kCall: {
        ResolveExpr(*e.a, b);
        std::unordered_set<std::string> names;
        bool seen_named = false, seen_kwargs = false, seen_varargs = false;
        for (auto& a : e.args) {
          switch (a.kind) {
            case CallArg::kPositional:
              if (seen_named || seen_varargs || seen_kwargs)
                Err(a.value->line, a.value->col, "positional argument may not follow named");
              break;
            case CallArg::kNamed:
              if (seen_kwargs) Err(a.value->line, a.value->col, "keyword argument may not follow **kwargs");
              if (!names.insert(a.name).second) Err(a.value->line, a.value->col, "keyword argument " + a.name + " repeated");
              seen_named = true;
              break;
            case CallArg::kStar:
              if (seen_kwargs) Err(a.value->line, a.value->col, "*args may not follow **kwargs");
              if (seen_varargs) Err(a.value->line, a.value->col, "multiple *args not allowed");
              seen_varargs = true;
              break;
            case CallArg::kStarStar:
              if (seen_kwargs) Err(a.value->line, a.value->col, "multiple **kwargs not allowed");
              seen_kwargs = true;
              break;
          }
          ResolveExpr(*a.value, b);
        }
        break;
      }
      case EK::kDot: ResolveExpr(*e.a, b); break;
      case EK::kIndex: ResolveExpr(*e.a, b); ResolveExpr(*e.b, b); break;
      case EK::kSlice:
        ResolveExpr(*e.a, b);
        for (auto& x : e.elems)
          if (x) ResolveExpr(*x, b);
        break;
      case EK::kUnary: ResolveExpr(*e.a, b); break;
      case EK::kBinary: case EK::kAnd: case EK::kOr:
        ResolveExpr(*e.a, b);
        ResolveExpr(*e.b, b);
        break;
      case EK::kCond:
        ResolveExpr(*e.a, b);
        ResolveExpr(*e.b, b);
        ResolveExpr(*e.c, b);
        break;
      case EK::kLambda: ResolveFunction(*e.func, b); break;
    }
  }

  File& file_;
  const NameLookup& lookup_;
  const Dialect& dialect_;
  std::vector<SyntaxError>& errors_;
  std::unordered_map<std::string, int> globals_;
  std::unordered_map<std::string, int> file_block_;  // names bound by load()
};

}  // namespace

void Resolve(File& file, const NameLookup& predeclared, const Dialect& dialect,
             std::vector<SyntaxError>& errors) {
  Resolver(file, predeclared, dialect, errors).Run();
}

}  // namespace tinyrange::starlark
