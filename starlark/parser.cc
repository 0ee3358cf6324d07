#include "starlark/parser.h"

#include <algorithm>
#include <cstring>

namespace tinyrange::starlark {
namespace {

struct ParseAbort {};  // unwinds to the statement loop after an error

class Parser {
 public:
  Parser(std::vector<Token> toks, std::vector<SyntaxError>& errors)
      : t_(std::move(toks)), errors_(errors) {}

  void ParseFile(File& f) {
    while (Cur().kind != Tok::kEof) {
      if (Cur().kind == Tok::kNewline) {
        p_++;
        continue;
      }
      try {
        ParseStatement(f.stmts);
      } catch (ParseAbort&) {
        nesting_ = 0;
        // Skip to the end of the logical line and balance any indentation.
        while (Cur().kind != Tok::kEof && Cur().kind != Tok::kNewline) p_++;
        if (Cur().kind == Tok::kNewline) p_++;
        while (Cur().kind == Tok::kIndent || Cur().kind == Tok::kOutdent) {
          // Drop a whole indented block that followed the bad line.
          if (Cur().kind == Tok::kIndent) {
            int d = 0;
            do {
              if (Cur().kind == Tok::kIndent) d++;
              if (Cur().kind == Tok::kOutdent) d--;
              p_++;
            } while (d > 0 && Cur().kind != Tok::kEof);
          } else {
            p_++;
          }
        }
      }
    }
  }

 private:
  const Token& Cur() const { return t_[p_]; }
  const Token& Peek(int n = 1) const { return t_[std::min(p_ + static_cast<size_t>(n), t_.size() - 1)]; }
  [[noreturn]] void Err(const Token& t, const std::string& msg) {
    // At a cut statement end the lexer has said what is wrong: an unclosed
    // bracket.
    if (!t.cut) errors_.push_back({t.line, t.col, msg});
    throw ParseAbort{};
  }
  std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEof: return "end of file";
      case Tok::kNewline: return "newline";
      case Tok::kIndent: return "indent";
      case Tok::kOutdent: return "outdent";
      case Tok::kInt: case Tok::kFloat: return "number " + t.text;
      case Tok::kIdent: return "identifier";
      case Tok::kString: return "string literal";
      case Tok::kBytes: return "bytes literal";
      default: return t.text;
    }
  }
  Token Expect(const char* s) {
    if (!Cur().Is(s)) Err(Cur(), std::string("got ") + Describe(Cur()) + ", want " + s);
    return t_[p_++];
  }
  bool Accept(const char* s) {
    if (Cur().Is(s)) {
      p_++;
      return true;
    }
    return false;
  }
  ExprPtr NewExpr(EK k, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->line = at.line;
    e->col = at.col;
    return e;
  }
  StmtPtr NewStmt(SK k, const Token& at) {
    auto s = std::make_unique<Stmt>();
    s->kind = k;
    s->line = at.line;
    s->col = at.col;
    return s;
  }

  void ParseStatement(std::vector<StmtPtr>& out) {
    DepthGuard guard(this);
    const Token& t = Cur();
    if (t.Is("def")) {
      p_++;
      auto s = NewStmt(SK::kDef, t);
      if (Cur().kind != Tok::kIdent) Err(Cur(), "got " + Describe(Cur()) + ", want identifier");
      auto fn = std::make_shared<FuncDecl>();
      fn->name = Cur().text;
      fn->line = t.line;
      fn->col = t.col;
      s->def_name = NewExpr(EK::kIdent, Cur());
      s->def_name->op = Cur().text;
      p_++;
      Expect("(");
      ParseParams(*fn, ")");
      Expect(")");
      Expect(":");
      ParseSuite(fn->body);
      s->func = fn;
      out.push_back(std::move(s));
    } else if (t.Is("if")) {
      out.push_back(ParseIf());
    } else if (t.Is("for")) {
      p_++;
      auto s = NewStmt(SK::kFor, t);
      s->lhs = ParseLoopVars();
      Expect("in");
      s->rhs = ParseExpression();
      Expect(":");
      ParseSuite(s->body);
      out.push_back(std::move(s));
    } else if (t.Is("while")) {
      p_++;
      auto s = NewStmt(SK::kWhile, t);
      s->rhs = ParseTest();
      Expect(":");
      ParseSuite(s->body);
      out.push_back(std::move(s));
    } else {
      ParseSimpleStatement(out);
    }
  }

  StmtPtr ParseIf() {
    const Token& t = t_[p_++];  // 'if' or 'elif'
    auto s = NewStmt(SK::kIf, t);
    s->rhs = ParseTest();
    Expect(":");
    ParseSuite(s->body);
    if (Cur().Is("elif")) {
      s->orelse.push_back(ParseIf());
    } else if (Accept("else")) {
      Expect(":");
      ParseSuite(s->orelse);
    }
    return s;
  }

  void ParseSuite(std::vector<StmtPtr>& body) {
    if (Cur().kind == Tok::kNewline) {
      p_++;
      if (Cur().kind != Tok::kIndent) Err(Cur(), "got " + Describe(Cur()) + ", want indent");
      p_++;
      while (Cur().kind != Tok::kOutdent && Cur().kind != Tok::kEof) {
        if (Cur().kind == Tok::kNewline) {
          p_++;
          continue;
        }
        ParseStatement(body);
      }
      if (Cur().kind == Tok::kOutdent) p_++;
    } else {
      ParseSimpleStatement(body);
    }
  }

  void ParseSimpleStatement(std::vector<StmtPtr>& out) {
    while (true) {
      out.push_back(ParseSmallStatement());
      if (Accept(";")) {
        if (Cur().kind == Tok::kNewline || Cur().kind == Tok::kEof) break;
        continue;
      }
      break;
    }
    if (Cur().kind == Tok::kEof) return;
    if (Cur().kind != Tok::kNewline) Err(Cur(), "got " + Describe(Cur()) + ", want newline");
    p_++;
  }

  StmtPtr ParseSmallStatement() {
    const Token& t = Cur();
    if (t.Is("return")) {
      p_++;
      auto s = NewStmt(SK::kReturn, t);
      if (Cur().kind != Tok::kNewline && !Cur().Is(";") && Cur().kind != Tok::kEof) s->rhs = ParseExpression();
      return s;
    }
    if (t.Is("break")) { p_++; return NewStmt(SK::kBreak, t); }
    if (t.Is("continue")) { p_++; return NewStmt(SK::kContinue, t); }
    if (t.Is("pass")) { p_++; return NewStmt(SK::kPass, t); }
    if (t.Is("load")) return ParseLoad();
    auto lhs = ParseExpression();
    const Token& op = Cur();
    if (op.Is("=")) {
      p_++;
      auto s = NewStmt(SK::kAssign, op);
      s->lhs = std::move(lhs);
      s->rhs = ParseExpression();
      return s;
    }
    static const char* const aug[] = {"+=", "-=", "*=", "/=", "//=", "%=", "&=", "|=", "^=", "<<=", ">>="};
    for (const char* a : aug) {
      if (op.Is(a)) {
        p_++;
        auto s = NewStmt(SK::kAugAssign, op);
        s->op = std::string(a, std::strlen(a) - 1);
        s->bin_op = ParseOp(s->op);
        s->lhs = std::move(lhs);
        s->rhs = ParseExpression();
        return s;
      }
    }
    auto s = NewStmt(SK::kExpr, t);
    s->rhs = std::move(lhs);
    return s;
  }

  StmtPtr ParseLoad() {
    const Token& t = t_[p_++];
    auto s = NewStmt(SK::kLoad, t);
    Expect("(");
    if (Cur().kind != Tok::kString) Err(Cur(), "first operand of load statement must be a string literal");
    s->op = Cur().text;
    p_++;
    while (Accept(",")) {
      if (Cur().Is(")")) break;
      LoadBinding b;
      if (Cur().kind == Tok::kIdent && Peek().Is("=")) {
        b.local = NewExpr(EK::kIdent, Cur());
        b.local->op = Cur().text;
        p_ += 2;
        if (Cur().kind != Tok::kString) Err(Cur(), "load operand must be a string literal");
        b.remote = Cur().text;
        p_++;
      } else if (Cur().kind == Tok::kString) {
        b.local = NewExpr(EK::kIdent, Cur());
        b.local->op = Cur().text;
        b.remote = Cur().text;
        p_++;
      } else {
        Err(Cur(), "load operand must be \"name\" or localname=\"name\" (got " + Describe(Cur()) + ")");
      }
      if (b.remote.rfind('_', 0) == 0) Err(t_[p_ - 1], "load: names with leading underscores are not exported: " + b.remote);
      s->loads.push_back(std::move(b));
    }
    Expect(")");
    if (s->loads.empty()) Err(t, "load statement must import at least 1 symbol");
    return s;
  }

  void ParseParams(FuncDecl& fn, const char* end) {
    while (!Cur().Is(end)) {
      Param prm;
      prm.line = Cur().line;
      prm.col = Cur().col;
      if (Accept("**")) {
        prm.kind = Param::kStarStar;
        if (Cur().kind != Tok::kIdent) Err(Cur(), "got " + Describe(Cur()) + ", want identifier");
        prm.name = t_[p_++].text;
      } else if (Accept("*")) {
        prm.kind = Param::kStar;
        if (Cur().kind == Tok::kIdent) prm.name = t_[p_++].text;
      } else {
        if (Cur().kind != Tok::kIdent) Err(Cur(), "got " + Describe(Cur()) + ", want parameter name");
        prm.name = t_[p_++].text;
        if (Accept("=")) prm.dflt = ParseTest();
      }
      fn.params.push_back(std::move(prm));
      if (!Accept(",")) break;
    }
  }

  // LoopVariables = PrimaryExpr {',' PrimaryExpr}
  ExprPtr ParseLoopVars() {
    const Token& t = Cur();
    auto first = ParsePrimary();
    if (!Cur().Is(",")) return first;
    auto tup = NewExpr(EK::kTuple, t);
    tup->elems.push_back(std::move(first));
    while (Accept(",")) {
      if (Cur().Is("in")) break;
      tup->elems.push_back(ParsePrimary());
    }
    return tup;
  }

  // Expression = Test {',' Test} (a tuple without parentheses)
  ExprPtr ParseExpression() {
    const Token& t = Cur();
    auto first = ParseTest();
    if (!Cur().Is(",")) return first;
    auto tup = NewExpr(EK::kTuple, t);
    tup->elems.push_back(std::move(first));
    while (Accept(",")) {
      if (EndOfExpressionList()) break;
      tup->elems.push_back(ParseTest());
    }
    return tup;
  }
  bool EndOfExpressionList() const {
    const Token& c = Cur();
    return c.kind == Tok::kNewline || c.kind == Tok::kEof || c.Is("=") || c.Is(")") || c.Is("]") ||
           c.Is("}") || c.Is(":") || c.Is(";") ||
           (c.kind == Tok::kOp && c.text.size() >= 2 && c.text.back() == '=' && c.text != "==" &&
            c.text != "!=" && c.text != "<=" && c.text != ">=");
  }

  ExprPtr ParseTest() {
    const Token& t = Cur();
    if (t.Is("lambda")) {
      p_++;
      auto e = NewExpr(EK::kLambda, t);
      auto fn = std::make_shared<FuncDecl>();
      fn->name = "lambda";
      fn->line = t.line;
      fn->col = t.col;
      ParseParams(*fn, ":");
      Expect(":");
      auto ret = NewStmt(SK::kReturn, Cur());
      ret->rhs = ParseTest();
      fn->body.push_back(std::move(ret));
      e->func = fn;
      return e;
    }
    auto x = ParseBinary(0);
    if (Cur().Is("if")) {
      const Token& it = t_[p_++];
      auto e = NewExpr(EK::kCond, it);
      e->a = ParseBinary(0);  // condition
      Expect("else");
      e->b = std::move(x);
      e->c = ParseTest();
      return e;
    }
    return x;
  }

  // Precedence levels, lowest first.
  static int Prec(const Token& t, bool* not_in) {
    *not_in = false;
    if (t.kind != Tok::kOp && t.kind != Tok::kKeyword) return -1;
    const std::string& s = t.text;
    if (s == "or") return 0;
    if (s == "and") return 1;
    if (s == "==" || s == "!=" || s == "<" || s == ">" || s == "<=" || s == ">=" || s == "in") return 3;
    if (s == "|") return 4;
    if (s == "^") return 5;
    if (s == "&") return 6;
    if (s == "<<" || s == ">>") return 7;
    if (s == "+" || s == "-") return 8;
    if (s == "*" || s == "/" || s == "//" || s == "%") return 9;
    return -1;
  }

  ExprPtr ParseBinary(int min_prec) {
    ExprPtr x;
    if (min_prec <= 2 && Cur().Is("not")) {
      const Token& t = t_[p_++];
      x = NewExpr(EK::kUnary, t);
      x->op = "not";
      x->a = ParseBinary(2);  // binds looser than comparisons: not a == b
    } else {
      x = ParseUnary();
    }
    while (true) {
      bool not_in;
      int prec = Prec(Cur(), &not_in);
      std::string op = Cur().text;
      if (Cur().Is("not") && Peek().Is("in")) {
        prec = 3;
        op = "not in";
      }
      if (prec < 0 || prec < min_prec) return x;
      const Token& t = Cur();
      p_ += op == "not in" ? 2 : 1;
      auto y = ParseBinary(prec + 1);
      ExprPtr e = NewExpr(op == "or" ? EK::kOr : op == "and" ? EK::kAnd : EK::kBinary, t);
      e->op = op;
      if (e->kind == EK::kBinary) e->bin_op = ParseOp(op);
      e->a = std::move(x);
      e->b = std::move(y);
      x = std::move(e);
      if (prec == 3) {
        // Comparisons do not associate: a < b < c is an error.
        bool ni;
        if (Prec(Cur(), &ni) == 3 || (Cur().Is("not") && Peek().Is("in")))
          Err(Cur(), "operator " + Cur().text + " is not associative");
      }
    }
  }

  // Bounds recursion so that absurdly nested input is a syntax error rather
  // than a stack overflow.
  struct DepthGuard {
    Parser* p;
    explicit DepthGuard(Parser* parser) : p(parser) {
      if (++p->nesting_ > 1000) p->Err(p->Cur(), "expression nested too deeply");
    }
    ~DepthGuard() { p->nesting_--; }
  };

  ExprPtr ParseUnary() {
    DepthGuard guard(this);
    const Token& t = Cur();
    if (t.Is("-") || t.Is("+") || t.Is("~")) {
      p_++;
      auto e = NewExpr(EK::kUnary, t);
      e->op = t.text;
      e->a = ParseUnary();
      return e;
    }
    return ParsePrimary();
  }

  ExprPtr ParsePrimary() {
    auto x = ParseOperand();
    while (true) {
      const Token& t = Cur();
      if (t.Is(".")) {
        p_++;
        if (Cur().kind != Tok::kIdent) Err(Cur(), "got " + Describe(Cur()) + ", want identifier");
        auto e = NewExpr(EK::kDot, Cur());
        e->op = Cur().text;
        p_++;
        e->a = std::move(x);
        x = std::move(e);
      } else if (t.Is("(")) {
        p_++;
        auto e = NewExpr(EK::kCall, t);
        e->a = std::move(x);
        ParseCallArgs(*e);
        Expect(")");
        x = std::move(e);
      } else if (t.Is("[")) {
        p_++;
        ExprPtr lo, hi, step;
        bool slice = false;
        if (!Cur().Is(":")) lo = ParseExpression();
        if (Accept(":")) {
          slice = true;
          if (!Cur().Is(":") && !Cur().Is("]")) hi = ParseTest();
          if (Accept(":")) {
            if (!Cur().Is("]")) step = ParseTest();
          }
        }
        Expect("]");
        if (slice) {
          auto e = NewExpr(EK::kSlice, t);
          e->a = std::move(x);
          e->elems.push_back(std::move(lo));
          e->elems.push_back(std::move(hi));
          e->elems.push_back(std::move(step));
          x = std::move(e);
        } else {
          auto e = NewExpr(EK::kIndex, t);
          e->a = std::move(x);
          e->b = std::move(lo);
          x = std::move(e);
        }
      } else {
        return x;
      }
    }
  }

  void ParseCallArgs(Expr& call) {
    while (!Cur().Is(")")) {
      CallArg a;
      if (Accept("**")) {
        a.kind = CallArg::kStarStar;
        a.value = ParseTest();
      } else if (Accept("*")) {
        a.kind = CallArg::kStar;
        a.value = ParseTest();
      } else if (Cur().kind == Tok::kIdent && Peek().Is("=")) {
        a.kind = CallArg::kNamed;
        a.name = Cur().text;
        p_ += 2;
        a.value = ParseTest();
      } else {
        a.value = ParseTest();
      }
      call.args.push_back(std::move(a));
      if (!Accept(",")) break;
    }
  }

  ExprPtr ParseOperand() {
    const Token& t = Cur();
    switch (t.kind) {
      case Tok::kIdent: {
        p_++;
        auto e = NewExpr(EK::kIdent, t);
        e->op = t.text;
        return e;
      }
      case Tok::kInt: {
        p_++;
        auto e = NewExpr(EK::kLiteral, t);
        e->literal = MakeInt(t.int_value);
        return e;
      }
      case Tok::kFloat: {
        p_++;
        auto e = NewExpr(EK::kLiteral, t);
        e->literal = MakeFloat(t.float_value);
        return e;
      }
      case Tok::kString: {
        p_++;
        auto e = NewExpr(EK::kLiteral, t);
        e->literal = MakeString(t.text);
        return e;
      }
      case Tok::kBytes: {
        p_++;
        auto e = NewExpr(EK::kLiteral, t);
        e->literal = MakeBytes(t.text);
        return e;
      }
      default: break;
    }
    if (t.Is("(")) {
      p_++;
      if (Accept(")")) return NewExpr(EK::kTuple, t);
      auto x = ParseExpression();
      Expect(")");
      if (x->kind == EK::kTuple && t_[p_ - 2].Is(",")) return x;
      if (x->kind == EK::kTuple) {
        // (a, b): the position of the tuple is its parenthesis.
        x->line = t.line;
        x->col = t.col;
      }
      return x;
    }
    if (t.Is("[")) {
      p_++;
      auto e = NewExpr(EK::kList, t);
      if (Accept("]")) return e;
      auto first = ParseTest();
      if (Cur().Is("for")) {
        auto c = NewExpr(EK::kComp, t);
        c->list_comp = true;
        c->a = std::move(first);
        ParseClauses(*c);
        Expect("]");
        return c;
      }
      e->elems.push_back(std::move(first));
      while (Accept(",")) {
        if (Cur().Is("]")) break;
        e->elems.push_back(ParseTest());
      }
      Expect("]");
      return e;
    }
    if (t.Is("{")) {
      p_++;
      auto e = NewExpr(EK::kDict, t);
      if (Accept("}")) return e;
      auto k = ParseTest();
      if (!Cur().Is(":")) {
        // A set literal: Go's dialect spells sets set([...]); report it.
        Err(Cur(), "got " + Describe(Cur()) + ", want ':'");
      }
      Expect(":");
      auto v = ParseTest();
      if (Cur().Is("for")) {
        auto c = NewExpr(EK::kComp, t);
        c->dict_comp = true;
        c->a = std::move(k);
        c->b = std::move(v);
        ParseClauses(*c);
        Expect("}");
        return c;
      }
      e->elems.push_back(std::move(k));
      e->elems.push_back(std::move(v));
      while (Accept(",")) {
        if (Cur().Is("}")) break;
        e->elems.push_back(ParseTest());
        Expect(":");
        e->elems.push_back(ParseTest());
      }
      Expect("}");
      return e;
    }
    Err(t, "got " + Describe(t) + ", want primary expression");
  }

  void ParseClauses(Expr& c) {
    while (true) {
      if (Accept("for")) {
        CompClause cl;
        cl.is_for = true;
        cl.vars = ParseLoopVars();
        Expect("in");
        cl.expr = ParseBinary(0);
        c.clauses.push_back(std::move(cl));
      } else if (Accept("if")) {
        CompClause cl;
        cl.is_for = false;
        // A condition may be a lambda (useless, but legal) but not a
        // conditional expression, whose 'if' would be ambiguous.
        cl.expr = Cur().Is("lambda") ? ParseTest() : ParseBinary(0);
        c.clauses.push_back(std::move(cl));
      } else {
        return;
      }
    }
  }

  std::vector<Token> t_;
  size_t p_ = 0;
  int nesting_ = 0;
  std::vector<SyntaxError>& errors_;
};

}  // namespace

std::unique_ptr<File> Parse(const std::string& filename, const std::string& src,
                            std::vector<SyntaxError>& errors) {
  auto f = std::make_unique<File>();
  f->name = filename;
  f->toplevel.name = "<toplevel>";
  size_t before = errors.size();
  int unclosed = 0;
  auto toks = Tokenize(src, errors, &unclosed);
  // Other lexical errors make the token stream unreliable.
  if (errors.size() - before > static_cast<size_t>(unclosed)) return f;
  Parser(std::move(toks), errors).ParseFile(*f);
  // Lexical (unclosed bracket) and syntax errors, in the order of the file.
  std::stable_sort(errors.begin() + static_cast<long>(before), errors.end(),
                   [](const SyntaxError& a, const SyntaxError& b) {
                     return a.line != b.line ? a.line < b.line : a.col < b.col;
                   });
  return f;
}

}  // namespace tinyrange::starlark
