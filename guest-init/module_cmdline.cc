#include "guest-init/module_cmdline.h"

#include <cstring>
#include <initializer_list>

#include "guest-init/string_slice.h"

namespace tinyrange {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// The next argument of `rest` (its leading blanks skipped), as the kernel's
// argument splitter sees it: blanks inside double quotes do not end it.
std::string_view NextArgument(std::string_view* rest) {
  size_t start = 0;
  while (start < rest->size() && IsBlank((*rest)[start])) ++start;
  size_t end = start;
  bool quoted = false;
  while (end < rest->size() && (quoted || !IsBlank((*rest)[end]))) {
    if ((*rest)[end] == '"') quoted = !quoted;
    ++end;
  }
  std::string_view argument = Slice(*rest, start, end - start);
  rest->remove_prefix(end);
  return argument;
}

bool SameModuleName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] == '-' ? '_' : a[i];
    char y = b[i] == '-' ? '_' : b[i];
    if (x != y) return false;
  }
  return true;
}

// A writer that only ever leaves a NUL-terminated string in its buffer.
struct ParamsOut {
  char* out;
  size_t size;
  size_t used = 0;

  // Appends the pieces as one more blank-separated parameter, or nothing
  // at all when they do not fit.
  bool Append(std::initializer_list<std::string_view> pieces) {
    size_t length = 0;
    for (std::string_view piece : pieces) length += piece.size();
    if (length == 0) return true;
    bool separate = used > 0;
    if (used + (separate ? 1 : 0) + length + 1 > size) return false;
    if (separate) out[used++] = ' ';
    for (std::string_view piece : pieces) {
      std::memcpy(out + used, piece.data(), piece.size());
      used += piece.size();
    }
    out[used] = '\0';
    return true;
  }
};

}  // namespace

std::string_view ModuleNameOfFile(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  constexpr std::string_view kSuffix = ".ko";
  if (path.size() > kSuffix.size() && Slice(path, path.size() - kSuffix.size()) == kSuffix) {
    path.remove_suffix(kSuffix.size());
  }
  return path;
}

bool ModuleParamsWithCommandLine(std::string_view module_name, std::string_view given,
                                 std::string_view cmdline, char* out, size_t out_size) {
  if (out_size == 0) return false;
  out[0] = '\0';
  ParamsOut params{out, out_size};
  if (!params.Append({given})) return false;
  std::string_view rest = cmdline;
  for (;;) {
    std::string_view argument = NextArgument(&rest);
    if (argument.empty() || argument == "--") break;
    // A quote may open the whole argument ("mod.param=a b") or its value
    // (mod.param="a b").
    bool whole_quoted = argument.size() >= 2 && argument.front() == '"' && argument.back() == '"';
    if (whole_quoted) argument = Slice(argument, 1, argument.size() - 2);
    size_t dot = argument.find('.');
    size_t equals = argument.find('=');
    if (dot == std::string_view::npos || dot == 0 || equals < dot) continue;
    if (!SameModuleName(Slice(argument, 0, dot), module_name)) continue;
    std::string_view param = Slice(argument, dot + 1);
    if (param.empty() || param.front() == '=') continue;
    bool fits = true;
    if (whole_quoted && equals != std::string_view::npos) {
      // Keep the value one parameter for the module's own splitter.
      size_t value_at = equals - dot;  // just past '=' in `param`
      fits = params.Append({Slice(param, 0, value_at), "\"", Slice(param, value_at), "\""});
    } else {
      fits = params.Append({param});
    }
    if (!fits) {
      out[given.size()] = '\0';  // `given` alone rather than a cut-off list
      return false;
    }
  }
  return true;
}

}  // namespace tinyrange
