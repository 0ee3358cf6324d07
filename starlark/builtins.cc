// The universal builtin functions of the spec.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "starlark/builtins.h"
#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {

void DictUpdate(const std::string& fn, HashTable& t, const Value& src, const Args& args);

namespace {

Value Abs(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("abs", args, 1, 1, {&x});
  if (x->kind() == Kind::kInt) return As<IntObj>(x).value.Sign() < 0 ? MakeInt(-As<IntObj>(x).value) : x;
  if (x->kind() == Kind::kFloat) return MakeFloat(std::fabs(As<FloatObj>(x).value));
  Fail("abs: got " + TypeName(x) + ", want int or float");
}

std::vector<Value> Iterable(const std::string& fn, const Value& x) {
  if (!IsIterable(x)) Fail(fn + ": got " + TypeName(x) + ", want iterable (" + TypeName(x) + " is not iterable)");
  return Elements(x);
}

Value Any(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("any", args, 1, 1, {&x});
  for (auto& e : Iterable("any", x))
    if (Truth(e)) return Bool(true);
  return Bool(false);
}

Value All(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("all", args, 1, 1, {&x});
  for (auto& e : Iterable("all", x))
    if (!Truth(e)) return Bool(false);
  return Bool(true);
}

Value BoolF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("bool", args, 0, 1, {&x});
  return Bool(x && Truth(x));
}

Value BytesF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("bytes", args, 1, 1, {&x});
  if (x->kind() == Kind::kBytes) return x;
  if (x->kind() == Kind::kString) {
    // Invalid UTF-8 is replaced by U+FFFD, as when encoding any string.
    const std::string& s = StrOf(x);
    std::string out;
    for (size_t i = 0; i < s.size();) EncodeUtf8(out, DecodeUtf8(s, &i));
    return MakeBytes(out);
  }
  if (IsIterable(x)) {
    std::string out;
    for (auto& e : Elements(x)) {
      if (e->kind() != Kind::kInt) Fail("bytes: at index " + std::to_string(out.size()) + ", got " + TypeName(e) + ", want int");
      int64_t b = WantInt("bytes", "element", e);
      if (b < 0 || b > 255) Fail("bytes: at index " + std::to_string(out.size()) + ", " + std::to_string(b) + " out of range (want value in unsigned 8-bit range)");
      out.push_back(static_cast<char>(b));
    }
    return MakeBytes(out);
  }
  Fail("bytes: got " + TypeName(x) + ", want string, bytes, or iterable of ints");
}

Value Chr(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("chr", args, 1, 1, {&x});
  int64_t c = WantInt("chr", "i", x);
  if (c < 0) Fail("chr: Unicode code point " + std::to_string(c) + " out of range (<0)");
  if (c > 0x10FFFF) Fail("chr: Unicode code point U+" + BigInt(c).ToString(16) + " out of range (>0x10FFFF)");
  std::string out;
  uint32_t u = static_cast<uint32_t>(c);
  EncodeUtf8(out, u >= 0xD800 && u < 0xE000 ? 0xFFFD : u);  // surrogates cannot be encoded
  return MakeString(out);
}

Value Dict(Thread&, const Value&, Args& args) {
  if (args.positional.size() > 1) Fail("dict: got " + std::to_string(args.positional.size()) + " arguments, want at most 1");
  auto d = std::make_shared<DictObj>();
  DictUpdate("dict", d->table, args.positional.empty() ? nullptr : args.positional[0], args);
  return d;
}

Value Dir(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("dir", args, 1, 1, {&x});
  std::vector<Value> out;
  for (auto& n : AttrNames(x)) out.push_back(MakeString(n));
  return MakeList(std::move(out));
}

Value Enumerate(Thread&, const Value&, Args& args) {
  Value x, start;
  Unpack("enumerate", args, {"x", "start?"}, {&x, &start});
  int64_t i = start ? WantInt("enumerate", "start", start) : 0;
  std::vector<Value> out;
  for (auto& e : Iterable("enumerate", x)) out.push_back(MakeTuple({MakeInt(i++), e}));
  return MakeList(std::move(out));
}

std::string JoinArgs(const std::string& fn, Args& args) {
  std::string sep = " ";
  for (auto& [k, v] : args.named) {
    if (k != "sep") Fail(fn + ": unexpected keyword argument " + k);
    sep = WantString(fn, "sep", v);
  }
  std::string out;
  for (size_t i = 0; i < args.positional.size(); i++) {
    if (i) out += sep;
    out += Str(args.positional[i]);
  }
  return out;
}

Value FailF(Thread&, const Value&, Args& args) { Fail(JoinArgs("fail", args)); }

Value Print(Thread& th, const Value&, Args& args) {
  std::string s = JoinArgs("print", args);
  if (th.print) th.print(th, s);
  else std::fprintf(stderr, "%s\n", s.c_str());
  return None();
}

bool ParseFloat(std::string s, double* out) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body = body.substr(1);
  }
  if (body == "inf" || body == "infinity") {
    *out = neg ? -INFINITY : INFINITY;
    return true;
  }
  if (body == "nan") {
    *out = NAN;
    return true;
  }
  if (body.empty()) return false;
  for (char c : body)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' || c == '-')) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end && *end == 0;
}

Value FloatF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("float", args, 0, 1, {&x});
  if (!x) return MakeFloat(0);
  switch (x->kind()) {
    case Kind::kFloat: return x;
    case Kind::kBool: return MakeFloat(As<BoolObj>(x).value ? 1 : 0);
    case Kind::kInt: {
      auto d = As<IntObj>(x).value.ToDouble();
      if (!d) Fail("float: int too large to convert to float");
      return MakeFloat(*d);
    }
    case Kind::kString: {
      double d;
      if (!ParseFloat(StrOf(x), &d)) Fail("float: invalid float literal: " + StrOf(x));
      if (std::isinf(d)) {
        std::string l = StrOf(x);
        for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (l.find("inf") == std::string::npos) Fail("float: floating-point number too large: " + StrOf(x));
      }
      return MakeFloat(d);
    }
    default: Fail("float: got " + TypeName(x) + ", want number or string");
  }
}

Value GetAttrF(Thread&, const Value&, Args& args) {
  Value x, name, dflt;
  UnpackPositional("getattr", args, 2, 3, {&x, &name, &dflt});
  Value v = GetAttr(x, WantString("getattr", "name", name));
  if (v) return v;
  if (dflt) return dflt;
  Fail("getattr: " + NoAttrMessage(x, StrOf(name)));
}

Value HasAttr(Thread&, const Value&, Args& args) {
  Value x, name;
  UnpackPositional("hasattr", args, 2, 2, {&x, &name});
  return Bool(GetAttr(x, WantString("hasattr", "name", name)) != nullptr);
}

Value HashF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("hash", args, 1, 1, {&x});
  if (x->kind() == Kind::kBytes) {
    // 32-bit FNV-1a, as other implementations do for bytes.
    uint32_t h = 2166136261u;
    for (char c : As<BytesObj>(x).value) {
      h ^= static_cast<unsigned char>(c);
      h *= 16777619u;
    }
    return MakeInt(static_cast<int64_t>(h));
  }
  if (x->kind() == Kind::kString) {
    // java.lang.String.hashCode over UTF-16, as the spec requires.
    const std::string& s = x->kind() == Kind::kString ? StrOf(x) : As<BytesObj>(x).value;
    int32_t h = 0;
    auto add = [&](uint32_t u) { h = static_cast<int32_t>(static_cast<uint32_t>(h) * 31u + u); };
    if (x->kind() == Kind::kBytes) {
      for (char c : s) add(static_cast<unsigned char>(c));
    } else {
      for (size_t i = 0; i < s.size();) {
        uint32_t c = DecodeUtf8(s, &i);
        if (c >= 0x10000) {
          c -= 0x10000;
          add(0xD800 + (c >> 10));
          add(0xDC00 + (c & 0x3FF));
        } else {
          add(c);
        }
      }
    }
    return MakeInt(static_cast<int64_t>(h));
  }
  return MakeInt(static_cast<int64_t>(Hash(x) & 0x7fffffff));
}

Value IntF(Thread&, const Value&, Args& args) {
  Value x, base;
  Unpack("int", args, {"x", "base?"}, {&x, &base});
  if (base && x->kind() != Kind::kString) Fail("int: can't convert non-string with explicit base");
  switch (x->kind()) {
    case Kind::kInt: return x;
    case Kind::kBool: return MakeInt(As<BoolObj>(x).value ? 1 : 0);
    case Kind::kFloat: {
      double d = As<FloatObj>(x).value;
      if (!std::isfinite(d)) Fail(std::string("int: cannot convert float ") + (std::isnan(d) ? "NaN" : "infinity") + " to integer");
      return MakeInt(BigInt::FromDouble(d));
    }
    case Kind::kString: {
      int64_t b = base ? WantInt("int", "base", base) : 10;
      if (b != 0 && (b < 2 || b > 36)) Fail("int: base must be an integer >= 2 && <= 36");
      const std::string& orig = StrOf(x);
      std::string s = orig;
      auto invalid = [&]() { Fail("int: invalid literal with base " + std::to_string(b) + ": " + orig); };
      bool neg = false;
      size_t i = 0;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
      }
      std::string digits = s.substr(i);
      if (digits.size() >= 2 && digits[0] == '0') {
        char p = static_cast<char>(std::tolower(static_cast<unsigned char>(digits[1])));
        int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
        if (pb && (b == 0 || b == pb)) {
          b = pb;
          digits = digits.substr(2);
        } else if (pb && b < 12) {
          invalid();  // e.g. int("0x1", 10); in base 16, "0b1" is just hex
        } else if (b == 0) {
          // Base 0 forbids leading zeros like Python ("010").
          if (digits.find_first_not_of('0') != std::string::npos) invalid();
          b = 10;
        }
      }
      if (b == 0) b = 10;
      auto v = BigInt::Parse(digits, static_cast<int>(b));
      if (!v) invalid();
      return MakeInt(neg ? -*v : *v);
    }
    default: Fail("int: got " + TypeName(x) + ", want int, float, bool or string");
  }
}

Value LenF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("len", args, 1, 1, {&x});
  int64_t n = Len(x);
  if (n < 0) Fail("len: value of type " + TypeName(x) + " has no len");
  return MakeInt(n);
}

Value ListF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("list", args, 0, 1, {&x});
  if (!x) return MakeList({});
  return MakeList(Iterable("list", x));
}

Value MinMaxImpl(Thread& th, const std::string& fn, Args& args, bool max) {
  Value key, dflt;
  for (auto& [k, v] : args.named) {
    if (k == "key") key = v;
    else if (k == "default") dflt = v;
    else Fail(fn + ": unexpected keyword argument " + k);
  }
  if (key && IsNone(key)) key = nullptr;
  if (args.positional.empty()) Fail(fn + ": got 0 arguments, want at least one positional argument");
  std::vector<Value> items;
  if (args.positional.size() == 1) items = Iterable(fn, args.positional[0]);
  else items = args.positional;
  if (items.empty()) {
    if (dflt) return dflt;
    Fail(fn + ": argument is empty (expected at least one item)");
  }
  Value best = items[0], best_key;
  auto keyof = [&](const Value& v) {
    if (!key) return v;
    Args a;
    a.positional.push_back(v);
    return Call(th, key, a);
  };
  best_key = keyof(best);
  for (size_t i = 1; i < items.size(); i++) {
    Value k = keyof(items[i]);
    int c = Compare(k, best_key);
    if (max ? c > 0 : c < 0) {
      best = items[i];
      best_key = k;
    }
  }
  return best;
}

Value Max(Thread& th, const Value&, Args& args) { return MinMaxImpl(th, "max", args, true); }
Value Min(Thread& th, const Value&, Args& args) { return MinMaxImpl(th, "min", args, false); }

Value Ord(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("ord", args, 1, 1, {&x});
  if (x->kind() == Kind::kBytes) {
    const auto& b = As<BytesObj>(x).value;
    if (b.size() != 1) Fail("ord: bytes has length " + std::to_string(b.size()) + ", want 1");
    return MakeInt(static_cast<int64_t>(static_cast<unsigned char>(b[0])));
  }
  const std::string& s = WantString("ord", "c", x);
  size_t i = 0;
  if (s.empty()) Fail("ord: string encodes 0 Unicode code points, want 1");
  uint32_t c = DecodeUtf8(s, &i);
  if (i != s.size()) {
    size_t n = 1;
    while (i < s.size()) {
      DecodeUtf8(s, &i);
      n++;
    }
    Fail("ord: string encodes " + std::to_string(n) + " Unicode code points, want 1");
  }
  return MakeInt(static_cast<int64_t>(c));
}

Value Range(Thread&, const Value&, Args& args) {
  Value a, b, c;
  UnpackPositional("range", args, 1, 3, {&a, &b, &c});
  int64_t start = 0, stop, step = 1;
  if (!b) {
    stop = WantInt("range", "stop", a);
  } else {
    start = WantInt("range", "start", a);
    stop = WantInt("range", "stop", b);
    if (c) step = WantInt("range", "step", c);
  }
  if (step == 0) Fail("range: step argument must not be zero");
  return std::make_shared<RangeObj>(start, stop, step);
}

Value ReprF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("repr", args, 1, 1, {&x});
  return MakeString(Repr(x));
}

Value Reversed(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("reversed", args, 1, 1, {&x});
  auto v = Iterable("reversed", x);
  std::reverse(v.begin(), v.end());
  return MakeList(std::move(v));
}

Value SetF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("set", args, 0, 1, {&x});
  auto s = std::make_shared<SetObj>();
  if (x)
    for (auto& e : Iterable("set", x)) s->table.Put(e, None());
  return s;
}

Value Sorted(Thread& th, const Value&, Args& args) {
  Value x, key, rev;
  Unpack("sorted", args, {"iterable", "key?", "reverse?"}, {&x, &key, &rev});
  auto items = Iterable("sorted", x);
  bool reverse = rev && Truth(rev);
  if (key && IsNone(key)) key = nullptr;
  std::vector<std::pair<Value, Value>> keyed;
  keyed.reserve(items.size());
  for (auto& v : items) {
    Value k = v;
    if (key) {
      Args a;
      a.positional.push_back(v);
      k = Call(th, key, a);
    }
    keyed.emplace_back(k, v);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& p, const auto& q) {
    return reverse ? Compare(q.first, p.first) < 0 : Compare(p.first, q.first) < 0;
  });
  std::vector<Value> out;
  for (auto& p : keyed) out.push_back(p.second);
  return MakeList(std::move(out));
}

Value StrF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("str", args, 1, 1, {&x});
  if (x->kind() == Kind::kBytes) {
    // Decoding bytes replaces invalid UTF-8 with U+FFFD.
    const std::string& s = As<BytesObj>(x).value;
    std::string out;
    for (size_t i = 0; i < s.size();) EncodeUtf8(out, DecodeUtf8(s, &i));
    return MakeString(out);
  }
  return MakeString(Str(x));
}

Value TupleF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("tuple", args, 0, 1, {&x});
  if (!x) return MakeTuple({});
  if (x->kind() == Kind::kTuple) return x;
  return MakeTuple(Iterable("tuple", x));
}

Value Type(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("type", args, 1, 1, {&x});
  return MakeString(TypeName(x));
}

Value Zip(Thread&, const Value&, Args& args) {
  if (!args.named.empty()) Fail("zip: unexpected keyword arguments");
  std::vector<std::vector<Value>> cols;
  size_t n = SIZE_MAX;
  for (auto& a : args.positional) {
    cols.push_back(Iterable("zip", a));
    n = std::min(n, cols.back().size());
  }
  if (cols.empty()) n = 0;
  std::vector<Value> out;
  for (size_t i = 0; i < n; i++) {
    std::vector<Value> t;
    for (auto& c : cols) t.push_back(c[i]);
    out.push_back(MakeTuple(std::move(t)));
  }
  return MakeList(std::move(out));
}

}  // namespace

Value MakeBuiltin(const std::string& name, Value (*fn)(Thread&, const Value&, Args&)) {
  return std::make_shared<BuiltinObj>(name, fn);
}

const StringDict& Universe() {
  static const StringDict u = [] {
    StringDict d;
    auto add = [&](const char* n, Value (*fn)(Thread&, const Value&, Args&)) { d[n] = MakeBuiltin(n, fn); };
    d["None"] = None();
    d["True"] = Bool(true);
    d["False"] = Bool(false);
    add("abs", Abs);
    add("all", All);
    add("any", Any);
    add("bool", BoolF);
    add("bytes", BytesF);
    add("chr", Chr);
    add("dict", Dict);
    add("dir", Dir);
    add("enumerate", Enumerate);
    add("fail", FailF);
    add("float", FloatF);
    add("getattr", GetAttrF);
    add("hasattr", HasAttr);
    add("hash", HashF);
    add("int", IntF);
    add("len", LenF);
    add("list", ListF);
    add("max", Max);
    add("min", Min);
    add("ord", Ord);
    add("print", Print);
    add("range", Range);
    add("repr", ReprF);
    add("reversed", Reversed);
    add("set", SetF);
    add("sorted", Sorted);
    add("str", StrF);
    add("tuple", TupleF);
    add("type", Type);
    add("zip", Zip);
    return d;
  }();
  return u;
}

}  // namespace tinyrange::starlark
