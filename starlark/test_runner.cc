// GCC 12 with -fsanitize=address (TR_SANITIZE) reports a false
// maybe-uninitialized inside <regex>'s std::function, instantiated in this
// file, and warnings are errors. The warning is placed in the library
// header, so this must come before the first include.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "starlark/test_runner.h"

#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>

#include "starlark/builtins.h"
#include "starlark/loader.h"
#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {
namespace {

// Failures reported by error() during one chunk (key in Thread::locals).
constexpr const char* kErrorsKey = "starlark.test.errors";

std::vector<std::string>& Reported(Thread& th) {
  auto& slot = th.locals[kErrorsKey];
  if (!slot) slot = std::make_shared<std::vector<std::string>>();
  return *std::static_pointer_cast<std::vector<std::string>>(slot);
}

// Regular-expression search. Test files are written for RE2, which takes a
// brace that starts no repetition literally; std::regex does not, so such
// braces are escaped and, failing that, the pattern is a plain substring.
bool Search(const std::string& pattern, const std::string& text) {
  try {
    return std::regex_search(text, std::regex(pattern));
  } catch (std::regex_error&) {
  }
  std::string escaped;
  for (char c : pattern) {
    if (c == '{' || c == '}') escaped += '\\';
    escaped += c;
  }
  try {
    return std::regex_search(text, std::regex(escaped));
  } catch (std::regex_error&) {
    return text.find(pattern) != std::string::npos;
  }
}

// error(msg): records a failure and continues, like t.Error.
Value ErrorF(Thread& th, const Value&, Args& args) {
  Value msg;
  UnpackPositional("error", args, 1, 1, {&msg});
  std::string where;
  Reported(th).push_back(Str(msg));
  return None();
}

// catch(f): calls f() and returns its error message, or None.
Value Catch(Thread& th, const Value&, Args& args) {
  Value f;
  UnpackPositional("catch", args, 1, 1, {&f});
  Args none;
  size_t depth = th.call_stack.size();
  try {
    Call(th, f, none);
  } catch (Error& e) {
    th.call_stack.resize(depth);
    return MakeString(e.message());
  }
  return None();
}

Value Matches(Thread&, const Value&, Args& args) {
  Value pat, str;
  UnpackPositional("matches", args, 2, 2, {&pat, &str});
  return Bool(Search(WantString("matches", "pattern", pat), WantString("matches", "str", str)));
}

Value FreezeF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("_freeze", args, 1, 1, {&x});
  Freeze(x);
  return x;
}

Value FloatEq(Thread&, const Value&, Args& args) {
  Value x, y;
  UnpackPositional("_floateq", args, 2, 2, {&x, &y});
  auto num = [](const Value& v) {
    if (v->kind() == Kind::kFloat) return As<FloatObj>(v).value;
    if (v->kind() == Kind::kInt) return As<IntObj>(v).value.ToDouble().value_or(NAN);
    WrongType("_floateq", "x", v, "float");
  };
  double a = num(x), b = num(y);
  if (std::isnan(a) && std::isnan(b)) return Bool(true);
  return Bool(a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b)));
}

StringDict Predeclared() {
  StringDict d = StandardLibrary();
  d["error"] = MakeBuiltin("error", ErrorF);
  d["catch"] = MakeBuiltin("catch", Catch);
  d["matches"] = MakeBuiltin("matches", Matches);
  d["_freeze"] = MakeBuiltin("_freeze", FreezeF);
  d["_floateq"] = MakeBuiltin("_floateq", FloatEq);
  return d;
}

struct Chunk {
  std::string src;  // padded with blank lines so line numbers match the file
  int first_line = 1;
  std::vector<std::string> expected;
};

std::vector<Chunk> SplitChunks(const std::string& text) {
  std::vector<Chunk> chunks(1);
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    n++;
    std::string trimmed = line;
    while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == ' ')) trimmed.pop_back();
    if (trimmed == "---") {
      chunks.emplace_back();
      chunks.back().first_line = n + 1;
      chunks.back().src = std::string(static_cast<size_t>(n), '\n');
      continue;
    }
    auto p = line.find("###");
    if (p != std::string::npos) {
      std::string pat = line.substr(p + 3);
      size_t b = pat.find_first_not_of(' ');
      pat = b == std::string::npos ? "" : pat.substr(b);
      while (!pat.empty() && (pat.back() == ' ' || pat.back() == '\r')) pat.pop_back();
      // Patterns may be written as quoted literals: "..." or `...`.
      if (pat.size() >= 2 && pat.front() == '`' && pat.back() == '`') {
        pat = pat.substr(1, pat.size() - 2);
      } else if (pat.size() >= 2 && pat.front() == '"' && pat.back() == '"') {
        std::string u;
        for (size_t k = 1; k + 1 < pat.size(); k++) {
          if (pat[k] == '\\' && k + 2 < pat.size()) k++;
          u += pat[k];
        }
        pat = u;
      }
      chunks.back().expected.push_back(pat);
    }
    chunks.back().src += line + "\n";
  }
  return chunks;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

TestRunResult RunTestFiles(const std::vector<std::string>& files, const TestRunOptions& opts, FILE* out) {
  TestRunResult total;
  StringDict predeclared = Predeclared();
  Dialect dialect;
  dialect.set = true;
  std::vector<std::string> dirs = opts.lib_dirs;
  dirs.push_back("");
  Loader loader(predeclared, dialect, DirectoryFinder(dirs));
  // load("json.star", "json") and friends name the built-in modules, as in
  // other implementations' test suites.
  auto builtin_load = [&loader, &predeclared](Thread& th, const std::string& m) -> StringDict {
    for (const char* name : {"json", "math"}) {
      if (m == std::string(name) + ".star") return {{name, predeclared.at(name)}};
    }
    return loader.Load(th, m);
  };
  for (const auto& file : files) {
    std::string text;
    if (!ReadFile(file, &text)) {
      std::fprintf(out, "%s: cannot read file\n", file.c_str());
      total.failed++;
      continue;
    }
    int passed = 0, failed = 0;
    for (auto& chunk : SplitChunks(text)) {
      Thread th;
      th.name = file;
      th.print = [out](Thread&, const std::string& s) { std::fprintf(out, "%s\n", s.c_str()); };
      th.load = builtin_load;
      std::string err;
      bool raised = false;
      try {
        ExecFile(th, file, chunk.src, predeclared, dialect);
      } catch (Error& e) {
        raised = true;
        err = e.Render();
      }
      std::vector<std::string> problems = Reported(th);
      if (raised) {
        if (chunk.expected.empty()) {
          problems.push_back("unexpected error: " + err);
        } else {
          bool ok = false;
          for (auto& pat : chunk.expected)
            if (Search(pat, err)) ok = true;
          if (!ok) problems.push_back("error does not match \"" + chunk.expected[0] + "\": " + err);
        }
      } else if (!chunk.expected.empty()) {
        problems.push_back("expected error matching \"" + chunk.expected[0] + "\", but the chunk succeeded");
      }
      if (problems.empty()) {
        passed++;
      } else {
        failed++;
        for (auto& p : problems) std::fprintf(out, "  FAIL %s:%d: %s\n", file.c_str(), chunk.first_line, p.c_str());
      }
    }
    std::fprintf(out, "%-45s %3d passed, %3d failed\n", file.c_str(), passed, failed);
    total.passed += passed;
    total.failed += failed;
  }
  std::fprintf(out, "%d passed, %d failed\n", total.passed, total.failed);
  return total;
}

}  // namespace tinyrange::starlark
