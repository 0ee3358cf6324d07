#include "cli/starlark_repl.h"

#include <string>

#include "starlark/ops.h"

namespace tinyrange::cli {
namespace {

namespace sl = tinyrange::starlark;

// The name an input has while it is tried as an expression (see below).
constexpr const char* kExpressionFile = "<stdin expression>";

bool ReadLine(FILE* in, std::string* line) {
  line->clear();
  int c;
  while ((c = std::fgetc(in)) != EOF) {
    if (c == '\n') return true;
    line->push_back(static_cast<char>(c));
  }
  return !line->empty();
}

}  // namespace

bool StarlarkInputComplete(const std::string& source) {
  // Brackets and strings, scanned roughly as the lexer would: enough to
  // know whether more lines belong to this input.
  int depth = 0;
  size_t i = 0;
  while (i < source.size()) {
    char c = source[i];
    if (c == '#') {
      while (i < source.size() && source[i] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      bool triple = source.compare(i, 3, std::string(3, c)) == 0;
      size_t quote = triple ? 3 : 1;
      i += quote;
      while (true) {
        if (i >= source.size()) return !triple;  // an open triple-quoted string continues
        if (source[i] == '\\') {
          i += 2;
          continue;
        }
        if (!triple && source[i] == '\n') break;
        if (source.compare(i, quote, std::string(quote, c)) == 0) {
          i += quote;
          break;
        }
        ++i;
      }
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    ++i;
  }
  if (depth > 0) return false;
  // A compound statement (its first line ends with ':') or a continued line
  // ends only at an empty line.
  std::string trimmed = source;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
  size_t first_end = source.find('\n');
  std::string first = source.substr(0, first_end);
  while (!first.empty() && first.back() == ' ') first.pop_back();
  bool block = (!first.empty() && first.back() == ':') || (!trimmed.empty() && trimmed.back() == '\\');
  if (!block) return true;
  return source.size() >= 2 && source.compare(source.size() - 2, 2, "\n\n") == 0;
}

int RunStarlarkRepl(FILE* in, bool interactive, const sl::StringDict& predeclared, const sl::Dialect& dialect_in) {
  // Top-level names may be bound again, and if/for may appear at top level:
  // what a user types at a prompt.
  sl::Dialect dialect = dialect_in;
  dialect.global_reassign = true;
  dialect.toplevel_control = true;
  sl::StringDict globals;
  sl::Thread th;
  th.name = "repl";
  th.print = [](sl::Thread&, const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
  };
  std::string source, line;
  for (;;) {
    if (interactive) {
      std::fputs(source.empty() ? ">>> " : "... ", stdout);
      std::fflush(stdout);
    }
    if (!ReadLine(in, &line)) {
      if (interactive) std::fputc('\n', stdout);
      if (source.empty()) return 0;
      line.clear();  // end of input completes what was typed
    } else if (source.empty() && line.find_first_not_of(" \t") == std::string::npos) {
      continue;
    }
    source += line + "\n";
    if (!StarlarkInputComplete(source) && !std::feof(in)) continue;
    std::string input = source;
    source.clear();

    sl::StringDict scope = predeclared;
    for (const auto& [name, value] : globals) scope[name] = value;
    try {
      // An expression first, so that its value can be shown; if it does not
      // parse as one, the input is statements. A syntax error means nothing
      // ran, so nothing runs twice.
      sl::StringDict out;
      bool expression = true;
      try {
        out = sl::ExecFile(th, kExpressionFile, "__repl_value__ = (\n" + input + ")\n", scope, dialect, false);
      } catch (sl::Error& e) {
        if (!e.syntax) {
          // Report positions in what was typed: the wrapper added a line.
          for (auto& frame : e.stack) {
            if (frame.file != kExpressionFile) continue;
            frame.file = "<stdin>";
            frame.line -= 1;
          }
          throw;
        }
        expression = false;
      }
      if (expression) {
        const sl::Value& value = out["__repl_value__"];
        if (value && !sl::IsNone(value)) std::printf("%s\n", sl::Repr(value).c_str());
      } else {
        out = sl::ExecFile(th, "<stdin>", input, scope, dialect, false);
        for (auto& [name, value] : out) globals[name] = value;
      }
    } catch (sl::Error& e) {
      std::fflush(stdout);
      std::fprintf(stderr, "%s\n", e.Render().c_str());
    }
    std::fflush(stdout);
    if (std::feof(in)) return 0;
  }
}

}  // namespace tinyrange::cli
