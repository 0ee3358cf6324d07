#include "starlark/eval.h"

#include <algorithm>

#include "starlark/lifetime.h"
#include "starlark/methods.h"
#include "starlark/ops.h"
#include "starlark/parser.h"

namespace tinyrange::starlark {
namespace {

enum class Flow { kNormal, kBreak, kContinue, kReturn };

void SetPos(Error& err, int line, int col) {
  if (!err.has_pos) {
    err.has_pos = true;
    err.line = line;
    err.col = col;
  }
}

class Evaluator {
 public:
  Evaluator(Thread& th, std::shared_ptr<ModuleState> mod) : th_(th), mod_(std::move(mod)) {}

  Flow ExecBlock(const std::vector<StmtPtr>& body, const std::shared_ptr<Env>& env, Value* ret) {
    for (auto& s : body) {
      Flow f = Exec(*s, env, ret);
      if (f != Flow::kNormal) return f;
    }
    return Flow::kNormal;
  }

  Flow Exec(const Stmt& s, const std::shared_ptr<Env>& env, Value* ret) {
    try {
      return ExecInner(s, env, ret);
    } catch (Error& err) {
      SetPos(err, s.line, s.col);
      throw;
    }
  }

  Value Eval(const Expr& e, const std::shared_ptr<Env>& env) {
    try {
      return EvalInner(e, env);
    } catch (Error& err) {
      SetPos(err, e.line, e.col);
      throw;
    }
  }

 private:
  Flow ExecInner(const Stmt& s, const std::shared_ptr<Env>& env, Value* ret) {
    switch (s.kind) {
      case SK::kExpr:
        Eval(*s.rhs, env);
        return Flow::kNormal;
      case SK::kAssign:
        AssignTo(*s.lhs, Eval(*s.rhs, env), env);
        return Flow::kNormal;
      case SK::kAugAssign: {
        const Expr& lhs = *s.lhs;
        if (lhs.kind == EK::kIndex) {
          Value x = Eval(*lhs.a, env);
          Value i = Eval(*lhs.b, env);
          Value old = Index(x, i);
          Value r = AugOp(s.bin_op, old, Eval(*s.rhs, env));
          SetIndex(x, i, r);
        } else if (lhs.kind == EK::kDot) {
          Value x = Eval(*lhs.a, env);
          Value old = GetAttr(x, lhs.op);
          if (!old) Fail(TypeName(x) + " has no ." + lhs.op + " field or method");
          AugOp(s.bin_op, old, Eval(*s.rhs, env));
          Fail("can't assign to ." + lhs.op + " field of " + TypeName(x));
        } else {
          Value old = Eval(lhs, env);
          AssignTo(lhs, AugOp(s.bin_op, old, Eval(*s.rhs, env)), env);
        }
        return Flow::kNormal;
      }
      case SK::kDef: {
        AssignTo(*s.def_name, MakeFunction(s.func, env), env);
        return Flow::kNormal;
      }
      case SK::kIf:
        if (Truth(Eval(*s.rhs, env))) return ExecBlock(s.body, env, ret);
        return ExecBlock(s.orelse, env, ret);
      case SK::kFor: {
        Value seq = Eval(*s.rhs, env);
        if (!IsIterable(seq)) {
          Error err("for loop: " + TypeName(seq) + " value is not iterable");
          SetPos(err, s.rhs->line, s.rhs->col);
          throw err;
        }
        Iterator it(seq);
        Value v;
        while (it.Next(&v)) {
          th_.Step();
          AssignTo(*s.lhs, v, env);
          Flow f = ExecBlock(s.body, env, ret);
          if (f == Flow::kBreak) break;
          if (f == Flow::kReturn) return f;
        }
        return Flow::kNormal;
      }
      case SK::kWhile:
        while (Truth(Eval(*s.rhs, env))) {
          th_.Step();
          Flow f = ExecBlock(s.body, env, ret);
          if (f == Flow::kBreak) break;
          if (f == Flow::kReturn) return f;
        }
        return Flow::kNormal;
      case SK::kReturn:
        *ret = s.rhs ? Eval(*s.rhs, env) : None();
        return Flow::kReturn;
      case SK::kBreak: return Flow::kBreak;
      case SK::kContinue: return Flow::kContinue;
      case SK::kPass: return Flow::kNormal;
      case SK::kLoad: {
        if (!th_.load) Fail("load not implemented by this application");
        StringDict m = th_.load(th_, s.op);
        for (auto& l : s.loads) {
          auto it = m.find(l.remote);
          if (it == m.end()) {
            Error err("load: name " + l.remote + " not found in module " + s.op);
            SetPos(err, l.local->line, l.local->col);
            throw err;
          }
          AssignTo(*l.local, it->second, env);
        }
        return Flow::kNormal;
      }
    }
    return Flow::kNormal;
  }

  Value AugOp(Op op, const Value& x, const Value& y) {
    if (op == Op::kAdd && x->kind() == Kind::kList) {
      // list += iterable extends in place.
      auto& l = As<ListObj>(x);
      l.mut.Check("apply += to", "list");
      if (!IsIterable(y)) Fail("unknown binary op: list += " + TypeName(y));
      auto elems = Elements(y);
      l.elems.insert(l.elems.end(), elems.begin(), elems.end());
      return x;
    }
    if (op == Op::kBitOr && x->kind() == Kind::kSet && y->kind() == Kind::kSet) {
      auto& st = As<SetObj>(x);
      st.mut.Check("insert into", "set");
      for (auto& en : As<SetObj>(y).table.entries())
        if (en.key) st.table.Put(en.key, None());
      return x;
    }
    if (op == Op::kBitOr && x->kind() == Kind::kDict && y->kind() == Kind::kDict) {
      auto& d = As<DictObj>(x);
      d.mut.Check("insert into", "dict");
      for (auto& en : As<DictObj>(y).table.entries())
        if (en.key) d.table.Put(en.key, en.value);
      return x;
    }
    return Binary(op, x, y);
  }

  Value MakeFunction(const std::shared_ptr<FuncDecl>& decl, const std::shared_ptr<Env>& env) {
    auto f = std::make_shared<FunctionObj>();
    f->decl = decl;
    f->closure = env;
    f->closure_keep = env;
    f->module = mod_;
    f->module_keep = mod_;
    f->defaults.reserve(decl->defaults.size());
    for (const Expr* d : decl->defaults) f->defaults.push_back(d ? Eval(*d, env) : nullptr);
    return f;
  }

  void AssignTo(const Expr& lhs, const Value& v, const std::shared_ptr<Env>& env) {
    switch (lhs.kind) {
      case EK::kIdent:
        switch (lhs.scope) {
          case Scope::kLocal: env->slots[static_cast<size_t>(lhs.index)] = v; return;
          case Scope::kGlobal: mod_->globals[static_cast<size_t>(lhs.index)] = v; return;
          case Scope::kFree: {
            Env* e = env.get();
            for (int i = 0; i < lhs.depth; i++) e = e->parent.get();
            e->slots[static_cast<size_t>(lhs.index)] = v;
            return;
          }
          default: Fail("cannot assign to " + lhs.op);
        }
      case EK::kTuple: case EK::kList: {
        if (!IsIterable(v) || v->kind() == Kind::kString)
          Fail("got " + TypeName(v) + " in sequence assignment");
        std::vector<Value> elems = Elements(v);
        if (elems.size() != lhs.elems.size()) {
          Fail(std::string(elems.size() > lhs.elems.size() ? "too many" : "too few") +
               " values to unpack (got " + std::to_string(elems.size()) + ", want " +
               std::to_string(lhs.elems.size()) + ")");
        }
        for (size_t i = 0; i < elems.size(); i++) AssignTo(*lhs.elems[i], elems[i], env);
        return;
      }
      case EK::kIndex: {
        Value x = Eval(*lhs.a, env);
        Value i = Eval(*lhs.b, env);
        try {
          SetIndex(x, i, v);
        } catch (Error& err) {
          SetPos(err, lhs.line, lhs.col);
          throw;
        }
        return;
      }
      case EK::kDot: {
        Value x = Eval(*lhs.a, env);
        Fail("can't assign to ." + lhs.op + " field of " + TypeName(x));
      }
      default: Fail("cannot assign to expression");
    }
  }

  Value LoadIdent(const Expr& e, const std::shared_ptr<Env>& env) {
    switch (e.scope) {
      case Scope::kLocal: {
        const Value& v = env->slots[static_cast<size_t>(e.index)];
        if (!v) Fail("local variable " + e.op + " referenced before assignment");
        return v;
      }
      case Scope::kFree: {
        Env* x = env.get();
        for (int i = 0; i < e.depth; i++) x = x->parent.get();
        const Value& v = x->slots[static_cast<size_t>(e.index)];
        if (!v) Fail("local variable " + e.op + " referenced before assignment");
        return v;
      }
      case Scope::kGlobal: {
        const Value& v = mod_->globals[static_cast<size_t>(e.index)];
        if (!v) Fail("global variable " + e.op + " referenced before assignment");
        return v;
      }
      case Scope::kPredeclared: return e.literal;
      case Scope::kUnresolved: break;
    }
    Fail("undefined: " + e.op);
  }

  void Comprehension(const Expr& e, size_t ci, const std::shared_ptr<Env>& env, const Value& out) {
    if (ci == e.clauses.size()) {
      if (e.dict_comp) {
        auto& d = As<DictObj>(out);
        Value k = Eval(*e.a, env);
        d.table.Put(k, Eval(*e.b, env));
      } else {
        As<ListObj>(out).elems.push_back(Eval(*e.a, env));
      }
      return;
    }
    const CompClause& cl = e.clauses[ci];
    if (!cl.is_for) {
      if (Truth(Eval(*cl.expr, env))) Comprehension(e, ci + 1, env, out);
      return;
    }
    Value seq = Eval(*cl.expr, env);
    if (!IsIterable(seq)) {
      Error err("comprehension: " + TypeName(seq) + " value is not iterable");
      SetPos(err, cl.expr->line, cl.expr->col);
      throw err;
    }
    Iterator it(seq);
    Value v;
    while (it.Next(&v)) {
      th_.Step();
      AssignTo(*cl.vars, v, env);
      Comprehension(e, ci + 1, env, out);
    }
  }

  Value EvalCall(const Expr& e, const std::shared_ptr<Env>& env) {
    // x.method(...) on a core type calls the method directly instead of
    // allocating a bound-method value first.
    Value fn, recv;
    MethodFn method = nullptr;
    if (e.a->kind == EK::kDot) {
      recv = Eval(*e.a->a, env);
      if (const MethodTable* t = MethodsOf(recv->kind())) {
        auto it = t->find(e.a->op);
        if (it != t->end()) method = it->second;
      }
      if (!method) {
        try {
          fn = GetAttr(recv, e.a->op);
          if (!fn) Fail(NoAttrMessage(recv, e.a->op));
        } catch (Error& err) {
          SetPos(err, e.a->line, e.a->col);
          throw;
        }
      }
    } else {
      fn = Eval(*e.a, env);
    }
    Args args;
    for (auto& a : e.args) {
      switch (a.kind) {
        case CallArg::kPositional: args.positional.push_back(Eval(*a.value, env)); break;
        case CallArg::kNamed: args.named.emplace_back(a.name, Eval(*a.value, env)); break;
        case CallArg::kStar: {
          Value v = Eval(*a.value, env);
          if (!IsIterable(v)) Fail("argument after * must be iterable, not " + TypeName(v));
          for (auto& x : Elements(v)) args.positional.push_back(x);
          break;
        }
        case CallArg::kStarStar: {
          Value v = Eval(*a.value, env);
          if (v->kind() != Kind::kDict) Fail("argument after ** must be a mapping, not " + TypeName(v));
          for (auto& en : As<DictObj>(v).table.entries()) {
            if (!en.key) continue;
            if (en.key->kind() != Kind::kString) Fail("keywords must be strings, not " + TypeName(en.key));
            for (auto& [n, x] : args.named)
              if (n == StrOf(en.key)) Fail((fn ? Repr(fn) : e.a->op) + " got multiple values for parameter \"" + n + "\"");
            args.named.emplace_back(StrOf(en.key), en.value);
          }
          break;
        }
      }
    }
    if (method) return CallMethod(th_, method, recv, e.a->op, args);
    return Call(th_, fn, args);
  }

  Value EvalInner(const Expr& e, const std::shared_ptr<Env>& env) {
    switch (e.kind) {
      case EK::kIdent: return LoadIdent(e, env);
      case EK::kLiteral: return e.literal;
      case EK::kList: {
        std::vector<Value> v;
        v.reserve(e.elems.size());
        for (auto& x : e.elems) v.push_back(Eval(*x, env));
        return MakeList(std::move(v));
      }
      case EK::kTuple: {
        std::vector<Value> v;
        v.reserve(e.elems.size());
        for (auto& x : e.elems) v.push_back(Eval(*x, env));
        return MakeTuple(std::move(v));
      }
      case EK::kDict: {
        auto d = std::make_shared<DictObj>();
        for (size_t i = 0; i < e.elems.size(); i += 2) {
          Value k = Eval(*e.elems[i], env);
          Value v = Eval(*e.elems[i + 1], env);
          if (!d->table.Put(k, v)) {
            Error err("duplicate key: " + Repr(k));
            SetPos(err, e.elems[i]->line, e.elems[i]->col);
            throw err;
          }
        }
        return d;
      }
      case EK::kComp: {
        Value out = e.dict_comp ? Value(std::make_shared<DictObj>()) : MakeList({});
        Comprehension(e, 0, env, out);
        return out;
      }
      case EK::kCall: return EvalCall(e, env);
      case EK::kDot: {
        Value x = Eval(*e.a, env);
        Value v = GetAttr(x, e.op);
        if (!v) {
          Fail(NoAttrMessage(x, e.op));
        }
        return v;
      }
      case EK::kIndex: {
        Value x = Eval(*e.a, env);
        return Index(x, Eval(*e.b, env));
      }
      case EK::kSlice: {
        Value x = Eval(*e.a, env);
        Value lo = e.elems[0] ? Eval(*e.elems[0], env) : nullptr;
        Value hi = e.elems[1] ? Eval(*e.elems[1], env) : nullptr;
        Value st = e.elems[2] ? Eval(*e.elems[2], env) : nullptr;
        return Slice(x, lo, hi, st);
      }
      case EK::kUnary: {
        Value x = Eval(*e.a, env);
        if (e.op == "not") return Bool(!Truth(x));
        return Unary(e.op, x);
      }
      case EK::kBinary: {
        Value x = Eval(*e.a, env);
        Value y = Eval(*e.b, env);
        return Binary(e.bin_op, x, y);
      }
      case EK::kAnd: {
        Value x = Eval(*e.a, env);
        if (!Truth(x)) return x;
        return Eval(*e.b, env);
      }
      case EK::kOr: {
        Value x = Eval(*e.a, env);
        if (Truth(x)) return x;
        return Eval(*e.b, env);
      }
      case EK::kCond:
        return Truth(Eval(*e.a, env)) ? Eval(*e.b, env) : Eval(*e.c, env);
      case EK::kLambda: return MakeFunction(e.func, env);
    }
    Fail("unknown expression");
  }

  Thread& th_;
  std::shared_ptr<ModuleState> mod_;
};

[[noreturn]] void ArgError(const FuncDecl& d, const std::string& msg) {
  Fail("function " + d.name + " " + msg);
}

Value CallFunction(Thread& th, const FunctionObj& f, Args& args) {
  const FuncDecl& d = *f.decl;
  // Only a collector misjudging a module in use (lifetime.h) empties these.
  std::shared_ptr<ModuleState> mod = f.module.lock();
  std::shared_ptr<Env> closure = f.closure.lock();
  if (!mod || !closure) Fail("function " + d.name + ": its module was freed");
  if (!mod->dialect.recursion) {
    for (const Object* o : th.call_stack) {
      if (o && o->kind() == Kind::kFunction && static_cast<const FunctionObj*>(o)->decl == f.decl)
        Fail("function " + d.name + " called recursively");
    }
  }
  if (static_cast<int>(th.call_stack.size()) >= th.max_depth) Fail("Starlark stack overflow");
  auto env = std::make_shared<Env>();
  env->slots.resize(static_cast<size_t>(d.num_locals));
  env->parent = std::move(closure);
  size_t nparams = d.param_names.size();
  size_t npos = static_cast<size_t>(d.num_positional);
  size_t given = args.positional.size();
  for (size_t i = 0; i < std::min(given, npos); i++) env->slots[i] = args.positional[i];
  if (given > npos) {
    if (d.varargs_slot < 0) {
      ArgError(d, npos == 0 ? "accepts no positional arguments (" + std::to_string(given) + " given)"
                            : "accepts at most " + std::to_string(npos) + " positional argument" +
                                  (npos == 1 ? "" : "s") + " (" + std::to_string(given) + " given)");
    }
    env->slots[static_cast<size_t>(d.varargs_slot)] =
        MakeTuple(std::vector<Value>(args.positional.begin() + static_cast<long>(npos), args.positional.end()));
  } else if (d.varargs_slot >= 0) {
    env->slots[static_cast<size_t>(d.varargs_slot)] = MakeTuple({});
  }
  std::shared_ptr<DictObj> kwargs;
  if (d.kwargs_slot >= 0) {
    kwargs = std::make_shared<DictObj>();
    env->slots[static_cast<size_t>(d.kwargs_slot)] = kwargs;
  }
  for (auto& [name, v] : args.named) {
    size_t i = 0;
    while (i < nparams && d.param_names[i] != name) i++;
    if (i == nparams) {
      if (!kwargs) ArgError(d, "got an unexpected keyword argument: " + name);
      if (!kwargs->table.Put(MakeString(name), v)) ArgError(d, "got multiple values for parameter \"" + name + "\"");
      continue;
    }
    if (env->slots[i]) ArgError(d, "got multiple values for parameter \"" + name + "\"");
    env->slots[i] = v;
  }
  std::vector<std::string> missing;
  for (size_t i = 0; i < nparams; i++) {
    if (env->slots[i]) continue;
    if (f.defaults[i]) env->slots[i] = f.defaults[i];
    else missing.push_back(d.param_names[i]);
  }
  if (!missing.empty()) {
    std::string names;
    for (auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    ArgError(d, "missing " + std::to_string(missing.size()) + " argument" + (missing.size() == 1 ? "" : "s") +
                    " (" + names + ")");
  }
  th.call_stack.push_back(&f);
  const std::string& filename = mod->file->name;
  Evaluator ev(th, std::move(mod));
  Value ret = None();
  try {
    ev.ExecBlock(d.body, env, &ret);
  } catch (Error& err) {
    th.call_stack.pop_back();
    if (env.use_count() > 1) ReleaseFrame(*env, d);
    err.stack.push_back({d.name, filename, err.line, err.col});
    err.has_pos = false;
    throw;
  }
  th.call_stack.pop_back();
  // A closure made here keeps the frame: let it keep only what it reads.
  if (env.use_count() > 1) ReleaseFrame(*env, d);
  return ret;
}

}  // namespace

void FunctionObj::Freeze() {
  if (frozen) return;
  frozen = true;
  for (auto& d : defaults)
    if (d) starlark::Freeze(d);
  // Freezing a closure's frame: the captured values are reachable from it.
  std::shared_ptr<Env> env = closure.lock();
  for (Env* e = env.get(); e; e = e->parent.get())
    for (auto& v : e->slots)
      if (v && v.get() != this) starlark::Freeze(v);
}

namespace {

// Runs a builtin, attributing errors it raises itself to it: "Error in
// NAME" in tracebacks and, for methods, a "method: " message prefix.
Value RunBuiltin(Thread& th, const BuiltinFn* fn, MethodFn method, const Value& self,
                 const std::function<std::string()>& name, Args& args) {
  th.call_stack.push_back(nullptr);
  try {
    Value r = fn ? (*fn)(th, self, args) : method(th, self, args);
    th.call_stack.pop_back();
    return r;
  } catch (Error& err) {
    th.call_stack.pop_back();
    if (err.stack.empty() && err.builtin.empty()) {
      std::string full = name();
      err.builtin = full;
      if (self) {
        std::string shortname = full.substr(full.rfind('.') + 1);
        if (err.message().rfind(shortname + ":", 0) != 0) {
          Error wrapped(shortname + ": " + err.message());
          wrapped.builtin = full;
          wrapped.has_pos = err.has_pos;
          wrapped.line = err.line;
          wrapped.col = err.col;
          throw wrapped;
        }
      }
    }
    throw;
  }
}

}  // namespace

Value CallMethod(Thread& th, MethodFn method, const Value& self, const std::string& name, Args& args) {
  th.Step();
  return RunBuiltin(th, nullptr, method, self, [&] { return TypeName(self) + "." + name; }, args);
}

Value Call(Thread& th, const Value& fn, Args& args) {
  th.Step();
  switch (fn->kind()) {
    case Kind::kFunction: return CallFunction(th, As<FunctionObj>(fn), args);
    case Kind::kBuiltin: {
      auto& b = As<BuiltinObj>(fn);
      return RunBuiltin(th, &b.fn, nullptr, b.self, [&] { return b.name; }, args);
    }
    default: Fail("invalid call of non-function (" + TypeName(fn) + ")");
  }
}

StringDict ExecFile(Thread& th, const std::string& filename, const std::string& src,
                    const StringDict& predeclared, const Dialect& dialect_in, bool freeze) {
  Dialect dialect = dialect_in;
  dialect.ApplyFileOptions(src);
  std::vector<SyntaxError> errors;
  auto mod = std::make_shared<ModuleState>();
  mod->dialect = dialect;
  mod->file = Parse(filename, src, errors);
  if (errors.empty()) {
    const StringDict& universe = Universe();
    Resolve(*mod->file, [&](const std::string& n) -> Value {
      auto it = predeclared.find(n);
      if (it != predeclared.end()) return it->second;
      auto u = universe.find(n);
      return u != universe.end() ? u->second : nullptr;
    }, dialect, errors);
  }
  if (!errors.empty()) {
    std::string msg;
    for (auto& e : errors)
      msg += (msg.empty() ? "" : "\n") + filename + ":" + std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.msg;
    Error err(msg);
    err.has_pos = true;
    err.syntax = true;
    throw err;
  }
  ModuleState& m = *mod;
  m.globals.resize(m.file->globals.size());
  // Declared before the evaluator and the frame so that it goes last: when
  // nothing was exported (or on error) the module is collected right here.
  std::shared_ptr<void> handle = NewModuleHandle(mod);
  auto env = std::make_shared<Env>();
  env->slots.resize(static_cast<size_t>(m.file->toplevel.num_locals));
  Evaluator ev(th, std::move(mod));
  Value ret;
  try {
    ev.ExecBlock(m.file->stmts, env, &ret);
  } catch (Error& err) {
    err.stack.push_back({"<toplevel>", filename, err.line, err.col});
    throw;
  }
  if (env.use_count() > 1) ReleaseFrame(*env, m.file->toplevel);
  StringDict out;
  for (size_t i = 0; i < m.globals.size(); i++) {
    if (!m.globals[i]) continue;
    if (freeze) Freeze(m.globals[i]);
    if (!m.file->loaded[i]) out[m.file->globals[i]] = Exported(handle, m.globals[i]);
  }
  return out;
}

}  // namespace tinyrange::starlark
