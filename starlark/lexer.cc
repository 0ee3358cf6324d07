#include "starlark/lexer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

#include "starlark/methods.h"

namespace tinyrange::starlark {
namespace {

const std::set<std::string, std::less<>>& Keywords() {
  static const std::set<std::string, std::less<>> k = {
      "and", "break", "continue", "def", "elif", "else", "for", "if", "in", "lambda", "load",
      "not", "or", "pass", "return", "while",
      // Reserved so that programs stay compatible with Python's grammar.
      "as", "class", "del", "except", "finally", "from", "global",
      "import", "is", "nonlocal", "raise", "try", "with", "yield"};
  return k;
}

class Lexer {
 public:
  // `cuts`, if given, lists lines before which open brackets are closed by
  // force (see Tokenize).
  Lexer(const std::string& src, std::vector<SyntaxError>& errors, const std::vector<int>* cuts)
      : s_(src), errors_(errors), cuts_(cuts) {}

  // After Run: the line of the outermost bracket still open at the end of
  // input (0 if none), and how many unclosed brackets were reported.
  int open_at_end() const { return open_at_end_; }
  int unclosed() const { return unclosed_; }

  std::vector<Token> Run() {
    indents_.push_back(0);
    bool at_line_start = true;
    while (true) {
      if (at_line_start) {
        at_line_start = false;
        if (!HandleIndent()) break;
      }
      // Skip spaces, comments and escaped newlines.
      while (p_ < s_.size()) {
        char c = s_[p_];
        if (c == ' ' || c == '\t' || c == '\r') {
          Adv();
        } else if (c == '#') {
          while (p_ < s_.size() && s_[p_] != '\n') Adv();
        } else if (c == '\\' && p_ + 1 < s_.size() && s_[p_ + 1] == '\n') {
          Adv();
          Adv();
        } else if (c == '\\' && p_ + 2 < s_.size() && s_[p_ + 1] == '\r' && s_[p_ + 2] == '\n') {
          Adv(); Adv(); Adv();
        } else {
          break;
        }
      }
      if (p_ >= s_.size()) break;
      char c = s_[p_];
      if (c == '\n') {
        Adv();
        if (depth_ > 0 && IsCut(line_)) {
          // Recovery: the bracket is taken as unclosed and a new statement
          // starts here.
          Unclosed(line_, 1);
          depth_ = 0;
        }
        if (depth_ == 0) {
          Emit(Tok::kNewline, "", line_ - 1, last_line_len_ + 1);
          if (cut_pending_) toks_.back().cut = true;
          cut_pending_ = false;
          at_line_start = true;
        }
        continue;
      }
      Token t;
      t.line = line_;
      t.col = col_;
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
        // String prefixes r, b, rb, br.
        size_t q = p_;
        while (q < s_.size() && (s_[q] == 'r' || s_[q] == 'b' || s_[q] == 'R' || s_[q] == 'B') && q - p_ < 2) q++;
        if (q > p_ && q < s_.size() && (s_[q] == '"' || s_[q] == '\'')) {
          std::string prefix = s_.substr(p_, q - p_);
          bool raw = prefix.find_first_of("rR") != std::string::npos;
          bool bytes = prefix.find_first_of("bB") != std::string::npos;
          if (prefix.size() == 2 && (!raw || !bytes)) {
            Error("invalid string prefix");
          }
          while (p_ < q) Adv();
          LexString(t, raw, bytes);
          continue;
        }
        size_t b = p_;
        while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '_' ||
                                  static_cast<unsigned char>(s_[p_]) >= 0x80))
          Adv();
        t.text = s_.substr(b, p_ - b);
        t.kind = Keywords().count(t.text) ? Tok::kKeyword : Tok::kIdent;
        toks_.push_back(std::move(t));
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c)) ||
          (c == '.' && p_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_ + 1])))) {
        LexNumber(t);
        continue;
      }
      if (c == '"' || c == '\'') {
        LexString(t, false, false);
        continue;
      }
      static const char* const ops[] = {
          "<<=", ">>=", "//=", "**", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=",
          "|=", "^=", "//", "<<", ">>", "+", "-", "*", "/", "%", "&", "|", "^", "~", "<", ">",
          "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", ";"};
      bool found = false;
      for (const char* op : ops) {
        size_t n = std::strlen(op);
        if (s_.compare(p_, n, op) == 0) {
          t.kind = Tok::kOp;
          t.text = op;
          for (size_t i = 0; i < n; i++) Adv();
          if (c == '(' || c == '[' || c == '{') depth_++;
          if ((c == ')' || c == ']' || c == '}') && depth_ > 0) depth_--;
          toks_.push_back(std::move(t));
          found = true;
          break;
        }
      }
      if (!found) {
        Error(std::string("invalid character '") + c + "' in program");
        Adv();
      }
    }
    if (depth_ > 0) {
      open_at_end_ = OpenBracket(depth_).line;
      if (cuts_) Unclosed(line_, col_);
    }
    if (!toks_.empty() && toks_.back().kind != Tok::kNewline) Emit(Tok::kNewline, "", line_, col_);
    if (cut_pending_) toks_.back().cut = true;
    while (indents_.size() > 1) {
      indents_.pop_back();
      Emit(Tok::kOutdent, "", line_, col_);
    }
    Emit(Tok::kEof, "", line_, col_);
    return std::move(toks_);
  }

 private:
  void Adv() {
    if (s_[p_] == '\n') {
      last_line_len_ = col_ - 1;
      line_++;
      col_ = 1;
    } else {
      col_++;
    }
    p_++;
  }
  void Error(std::string msg) { errors_.push_back({line_, col_, std::move(msg)}); }

  bool IsCut(int line) const {
    return cuts_ && std::find(cuts_->begin(), cuts_->end(), line) != cuts_->end();
  }

  // The n-th innermost bracket still open (1 <= n <= depth_). Found by
  // walking back over the tokens only when needed, so that lexing a
  // well-formed file pays nothing for it. Exact, because a closer the lexer
  // ignored (at depth 0) cannot come after an open bracket.
  const Token& OpenBracket(int n) const {
    int inner = 0;
    for (size_t i = toks_.size(); i-- > 0;) {
      const Token& t = toks_[i];
      if (t.kind != Tok::kOp || t.text.size() != 1) continue;
      char c = t.text[0];
      if (c == ')' || c == ']' || c == '}') inner++;
      if (c == '(' || c == '[' || c == '{') {
        if (inner > 0) inner--;
        else if (--n == 0) return t;
      }
    }
    return toks_.front();  // not reached while depth_ > 0
  }

  // Reports the innermost open bracket at line:col, where its statement is
  // cut short.
  void Unclosed(int line, int col) {
    const Token& b = OpenBracket(1);
    errors_.push_back({line, col, "unclosed '" + b.text + "' opened at " + std::to_string(b.line) + ":" +
                                      std::to_string(b.col)});
    unclosed_++;
    cut_pending_ = true;
  }
  void Emit(Tok k, std::string text, int line, int col) {
    Token t;
    t.kind = k;
    t.text = std::move(text);
    t.line = line;
    t.col = col;
    toks_.push_back(std::move(t));
  }

  // At the start of a logical line: measures indentation, skipping blank and
  // comment-only lines. Returns false at end of input.
  bool HandleIndent() {
    while (true) {
      int width = 0;
      while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\r')) {
        if (s_[p_] == ' ') width++;
        else if (s_[p_] == '\t') width = (width / 8 + 1) * 8;
        Adv();
      }
      if (p_ >= s_.size()) return false;
      if (s_[p_] == '#') {
        while (p_ < s_.size() && s_[p_] != '\n') Adv();
      }
      if (p_ < s_.size() && s_[p_] == '\n') {
        Adv();
        continue;
      }
      if (p_ >= s_.size()) return false;
      if (s_[p_] == '\\' && p_ + 1 < s_.size() && s_[p_ + 1] == '\n') return true;
      if (depth_ > 0) return true;
      if (width > indents_.back()) {
        indents_.push_back(width);
        Emit(Tok::kIndent, "", line_, col_);
      } else {
        while (width < indents_.back()) {
          indents_.pop_back();
          Emit(Tok::kOutdent, "", line_, col_);
        }
        if (width != indents_.back()) Error("unindent does not match any outer indentation level");
      }
      return true;
    }
  }

  void LexNumber(Token& t) {
    size_t b = p_;
    char c = s_[p_];
    if (c == '0' && p_ + 1 < s_.size() && std::strchr("xXoObB", s_[p_ + 1]) && s_[p_ + 1] != 0) {
      char k = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[p_ + 1])));
      int base = k == 'x' ? 16 : k == 'o' ? 8 : 2;
      Adv();
      Adv();
      size_t d = p_;
      while (p_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[p_]))) Adv();
      auto v = BigInt::Parse(s_.substr(d, p_ - d), base);
      if (!v) Error("invalid int literal: " + s_.substr(b, p_ - b));
      t.kind = Tok::kInt;
      t.int_value = v ? *v : BigInt(0);
      t.text = s_.substr(b, p_ - b);
      toks_.push_back(std::move(t));
      return;
    }
    bool is_float = false;
    while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) Adv();
    if (p_ < s_.size() && s_[p_] == '.') {
      is_float = true;
      Adv();
      while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) Adv();
    }
    if (p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E')) {
      size_t save = p_;
      int sl = line_, sc = col_;
      Adv();
      if (p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-')) Adv();
      if (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) {
        is_float = true;
        while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) Adv();
      } else {
        p_ = save;
        line_ = sl;
        col_ = sc;
      }
    }
    t.text = s_.substr(b, p_ - b);
    // A letter right after a number starts the next token ("0in [1]"), as
    // in Python; "6burgle" is then a parse error, not a lexical one.
    if (is_float) {
      t.kind = Tok::kFloat;
      t.float_value = std::strtod(t.text.c_str(), nullptr);
    } else {
      if (t.text.size() > 1 && t.text[0] == '0') {
        bool all_zero = t.text.find_first_not_of('0') == std::string::npos;
        if (!all_zero) Error("invalid int literal " + t.text + " (obsolete octal notation)");
      }
      t.kind = Tok::kInt;
      auto v = BigInt::Parse(t.text, 10);
      t.int_value = v ? *v : BigInt(0);
    }
    toks_.push_back(std::move(t));
  }

  void LexString(Token& t, bool raw, bool bytes) {
    char q = s_[p_];
    bool triple = s_.compare(p_, 3, std::string(3, q)) == 0;
    for (int i = 0; i < (triple ? 3 : 1); i++) Adv();
    std::string out;
    while (true) {
      if (p_ >= s_.size()) {
        errors_.push_back({t.line, t.col, "unexpected EOF in string"});
        break;
      }
      char c = s_[p_];
      if (c == q) {
        if (!triple) {
          Adv();
          break;
        }
        if (s_.compare(p_, 3, std::string(3, q)) == 0) {
          Adv(); Adv(); Adv();
          break;
        }
        out.push_back(c);
        Adv();
        continue;
      }
      if (c == '\n' && !triple) {
        errors_.push_back({t.line, t.col, "unexpected newline in string"});
        break;
      }
      if (c == '\r' && p_ + 1 < s_.size() && s_[p_ + 1] == '\n') {  // normalise CRLF
        Adv();
        continue;
      }
      if (c != '\\') {
        out.push_back(c);
        Adv();
        continue;
      }
      // Escape sequence.
      if (p_ + 1 >= s_.size()) {
        Adv();
        continue;
      }
      char e = s_[p_ + 1];
      if (raw) {
        // In raw strings a backslash stays, but still protects the quote
        // and a newline from ending the literal.
        out.push_back('\\');
        Adv();
        if (e == '\n' || e == q || e == '\\') {
          out.push_back(e);
          Adv();
        }
        continue;
      }
      Adv();
      Adv();
      switch (e) {
        case '\n': break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          int v = e - '0';
          for (int i = 0; i < 2 && p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '7'; i++) {
            v = v * 8 + (s_[p_] - '0');
            Adv();
          }
          if (v > 255) Error("octal escape value > 255");
          if (!bytes && v > 127) Error("non-ASCII octal escape \\" + std::to_string(v) + " (use \\u instead)");
          out.push_back(static_cast<char>(v));
          break;
        }
        case 'x': case 'u': case 'U': {
          int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t v = 0;
          int i = 0;
          for (; i < n && p_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[p_])); i++) {
            char h = s_[p_];
            v = v * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
            Adv();
          }
          if (i < n) {
            Error(std::string("truncated escape sequence \\") + e);
            break;
          }
          if (e == 'x') {
            if (!bytes && v > 127) Error("non-ASCII hex escape (use \\u instead)");
            out.push_back(static_cast<char>(v));
          } else {
            if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) Error("invalid Unicode code point");
            EncodeUtf8(out, v);
          }
          break;
        }
        default:
          Error(std::string("invalid escape sequence \\") + e);
      }
    }
    t.kind = bytes ? Tok::kBytes : Tok::kString;
    t.text = std::move(out);
    toks_.push_back(std::move(t));
  }

  const std::string& s_;
  std::vector<SyntaxError>& errors_;
  std::vector<Token> toks_;
  std::vector<int> indents_;
  size_t p_ = 0;
  int line_ = 1, col_ = 1, depth_ = 0, last_line_len_ = 0;
  const std::vector<int>* cuts_;
  bool cut_pending_ = false;  // the next NEWLINE ends a cut statement
  int open_at_end_ = 0, unclosed_ = 0;
};

// Where a statement plausibly starts again after a bracket opened on line
// `after` was never closed: the first later line whose first token, in
// column 1, begins a statement (a def, load, if, for or while, or a name
// being assigned or called). 0 if there is none.
int ResyncLine(const std::vector<Token>& toks, int after) {
  for (size_t i = 0; i + 1 < toks.size(); i++) {
    const Token& t = toks[i];
    if (t.line <= after || t.col != 1) continue;
    if (i > 0 && toks[i - 1].line == t.line) continue;  // not the line's first token
    if (t.Is("def") || t.Is("load") || t.Is("if") || t.Is("for") || t.Is("while")) return t.line;
    const Token& n = toks[i + 1];
    if (t.kind == Tok::kIdent && n.kind == Tok::kOp && n.line == t.line &&
        (n.text == "=" || n.text == "(" || n.text == "." ||
         (n.text.size() >= 2 && n.text.back() == '=' && n.text != "==" && n.text != "!=" &&
          n.text != "<=" && n.text != ">=")))
      return t.line;
  }
  return 0;
}

}  // namespace

std::vector<Token> Tokenize(const std::string& src, std::vector<SyntaxError>& errors) {
  return Lexer(src, errors, nullptr).Run();
}

std::vector<Token> Tokenize(const std::string& src, std::vector<SyntaxError>& errors, int* unclosed) {
  // Each pass that ends inside a bracket adds one cut and lexes again: a
  // well-formed file takes one pass. The bound keeps a pathological file
  // (thousands of unclosed brackets) from taking quadratic time.
  std::vector<int> cuts;
  for (int pass = 0;; pass++) {
    std::vector<SyntaxError> errs;
    Lexer lx(src, errs, &cuts);
    std::vector<Token> toks = lx.Run();
    int resync = lx.open_at_end() && pass < 100 ? ResyncLine(toks, lx.open_at_end()) : 0;
    if (resync > 0) {
      cuts.push_back(resync);
      continue;
    }
    errors.insert(errors.end(), errs.begin(), errs.end());
    *unclosed = lx.unclosed();
    return toks;
  }
}

}  // namespace tinyrange::starlark
