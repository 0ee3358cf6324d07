// Syntax tree. Nodes carry 1-based line:column positions; the resolver
// fills in where each identifier lives (slot indices) before execution.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "starlark/ops.h"
#include "starlark/value.h"

namespace tinyrange::starlark {

struct Expr;
struct Stmt;
struct FuncDecl;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;

enum class EK {
  kIdent, kLiteral, kList, kTuple, kDict, kComp, kCall, kDot, kIndex, kSlice,
  kUnary, kBinary, kAnd, kOr, kCond, kLambda,
};

// Where a resolved identifier lives.
enum class Scope : uint8_t {
  kUnresolved,
  kLocal,        // slot in the current frame
  kFree,         // slot in an enclosing function's frame, `depth` levels out
  kGlobal,       // module global slot
  kPredeclared,  // value captured at resolve time (predeclared or universal)
};

struct CallArg {
  enum Kind { kPositional, kNamed, kStar, kStarStar } kind = kPositional;
  std::string name;
  ExprPtr value;
};

struct CompClause {
  bool is_for = true;
  ExprPtr vars;  // for: loop variables
  ExprPtr expr;  // for: iterable; if: condition
};

struct Expr {
  EK kind;
  int line = 0, col = 0;
  std::string op;  // identifier name, operator, attribute name
  Op bin_op = Op::kAdd;  // kBinary: the operator, decoded once
  Value literal;
  ExprPtr a, b, c;  // operands (binary a op b; cond: b if a else c; index a[b])
  std::vector<ExprPtr> elems;  // list/tuple items; dict k,v pairs; slice lo,hi,step
  std::vector<CallArg> args;
  std::vector<CompClause> clauses;  // comprehension; a is element (b value for dict)
  bool dict_comp = false, list_comp = false;
  std::shared_ptr<FuncDecl> func;  // lambda
  // Resolution.
  Scope scope = Scope::kUnresolved;
  int index = 0, depth = 0;
};

enum class SK {
  kExpr, kAssign, kAugAssign, kDef, kIf, kFor, kWhile, kReturn, kBreak, kContinue, kPass, kLoad,
};

struct LoadBinding {
  ExprPtr local;  // identifier bound in this module
  std::string remote;
};

struct Stmt {
  SK kind;
  int line = 0, col = 0;
  std::string op;  // augmented operator without '='; load: module name
  Op bin_op = Op::kAdd;  // kAugAssign: the operator
  ExprPtr lhs, rhs;  // assign: lhs = rhs; for: lhs in rhs; if/while: rhs cond; return: rhs
  std::vector<StmtPtr> body, orelse;
  std::shared_ptr<FuncDecl> func;  // def
  ExprPtr def_name;                // def: identifier bound
  std::vector<LoadBinding> loads;
};

struct Param {
  enum Kind { kNormal, kStar, kStarStar } kind = kNormal;
  std::string name;  // empty for a bare '*'
  ExprPtr dflt;
  int line = 0, col = 0;
};

struct FuncDecl {
  std::string name;
  int line = 0, col = 0;
  std::vector<Param> params;
  std::vector<StmtPtr> body;
  // Resolution: parameters take the first slots in this order: positional
  // (before '*'), keyword-only, *args, **kwargs.
  int num_locals = 0;
  int num_positional = 0;  // parameters that may be given positionally
  int num_kwonly = 0;
  int varargs_slot = -1, kwargs_slot = -1;
  std::vector<std::string> param_names;  // positional then keyword-only
  std::vector<const Expr*> defaults;     // per param_names entry; null if required
  std::vector<std::string> local_names;  // by slot, for error messages
  // Slots that nested functions read (free variables): all that a frame
  // must keep once the call has returned. Sorted, no duplicates.
  std::vector<int> captured;
};

struct File {
  std::string name;
  std::vector<StmtPtr> stmts;
  FuncDecl toplevel;  // frame for comprehension variables at top level
  // Module-level slots: the globals and the file block. The file block
  // holds the names bound by load(): visible in this file only, never
  // exported, and no global may share a name with one (see resolve.cc).
  std::vector<std::string> globals;  // by slot
  std::vector<bool> loaded;          // by slot: true for the file block
};

}  // namespace tinyrange::starlark
