// Argument unpacking shared by all builtins.
#include <cstring>

#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {

void Unpack(const std::string& fn, const Args& args, std::initializer_list<const char*> names,
            std::initializer_list<Value*> out) {
  std::vector<const char*> n(names);
  std::vector<Value*> o(out);
  for (Value* p : o) *p = nullptr;
  if (args.positional.size() > n.size()) {
    Fail(fn + ": got " + std::to_string(args.positional.size()) + " arguments, want at most " +
         std::to_string(n.size()));
  }
  for (size_t i = 0; i < args.positional.size(); i++) *o[i] = args.positional[i];
  for (auto& [name, v] : args.named) {
    size_t i = 0;
    for (; i < n.size(); i++) {
      size_t len = std::strlen(n[i]);
      if (len && n[i][len - 1] == '?') len--;
      if (name.size() == len && name.compare(0, len, n[i], len) == 0) break;
    }
    if (i == n.size()) Fail(fn + ": unexpected keyword argument " + name);
    if (*o[i]) Fail(fn + ": got multiple values for parameter " + name);
    *o[i] = v;
  }
  for (size_t i = 0; i < n.size(); i++) {
    size_t len = std::strlen(n[i]);
    if (!*o[i] && !(len && n[i][len - 1] == '?')) Fail(fn + ": missing argument for " + n[i]);
  }
}

void UnpackPositional(const std::string& fn, const Args& args, size_t min, size_t max,
                      std::initializer_list<Value*> out) {
  if (!args.named.empty()) Fail(fn + ": unexpected keyword arguments");
  size_t n = args.positional.size();
  if (n < min) {
    Fail(fn + ": got " + std::to_string(n) + " arguments, want " + (min == max ? "" : "at least ") +
         std::to_string(min));
  }
  if (n > max) {
    Fail(fn + ": got " + std::to_string(n) + " arguments, want " + (min == max ? "" : "at most ") +
         std::to_string(max));
  }
  size_t i = 0;
  for (Value* p : out) {
    *p = i < n ? args.positional[i] : nullptr;
    i++;
  }
}

void WrongType(const std::string& fn, const char* param, const Value& v, const char* want) {
  Fail(fn + ": for parameter " + param + ": got " + TypeName(v) + ", want " + want);
}

const std::string& WantString(const std::string& fn, const char* param, const Value& v) {
  if (v->kind() != Kind::kString) WrongType(fn, param, v, "string");
  return StrOf(v);
}

int64_t WantInt(const std::string& fn, const char* param, const Value& v) {
  if (v->kind() != Kind::kInt) WrongType(fn, param, v, "int");
  auto x = As<IntObj>(v).value.ToInt64();
  if (!x) Fail(fn + ": for parameter " + param + ": int out of range");
  return *x;
}

bool WantBool(const std::string& fn, const char* param, const Value& v) {
  if (v->kind() != Kind::kBool) WrongType(fn, param, v, "bool");
  return As<BoolObj>(v).value;
}

void ClampRange(const std::string& fn, int64_t len, const Value& start, const Value& end, int64_t* lo,
                int64_t* hi) {
  auto conv = [&](const Value& v, int64_t dflt, const char* which) -> int64_t {
    if (!v || IsNone(v)) return dflt;
    if (v->kind() != Kind::kInt) Fail(fn + ": invalid " + which + " index: got " + TypeName(v) + ", want int");
    auto x = As<IntObj>(v).value.ToInt64();
    int64_t n = x ? *x : (As<IntObj>(v).value.Sign() < 0 ? -len - 1 : len + 1);
    if (n < 0) n += len;
    if (n < 0) n = 0;
    if (n > len) n = len;
    return n;
  };
  *lo = conv(start, 0, "start");
  *hi = conv(end, len, "end");
}

}  // namespace tinyrange::starlark
