#include "starlark/ops.h"

#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "starlark/eval.h"
#include "starlark/methods.h"

namespace tinyrange::starlark {

std::string TypeName(const Value& v) { return v->TypeName(); }

bool Truth(const Value& v) {
  switch (v->kind()) {
    case Kind::kNone: return false;
    case Kind::kBool: return As<BoolObj>(v).value;
    case Kind::kInt: return As<IntObj>(v).value.Sign() != 0;
    case Kind::kFloat: return As<FloatObj>(v).value != 0;
    case Kind::kString: return !StrOf(v).empty();
    case Kind::kBytes: return !As<BytesObj>(v).value.empty();
    case Kind::kList: return !As<ListObj>(v).elems.empty();
    case Kind::kTuple: return !As<TupleObj>(v).elems.empty();
    case Kind::kDict: return As<DictObj>(v).table.size() > 0;
    case Kind::kSet: return As<SetObj>(v).table.size() > 0;
    case Kind::kRange: return As<RangeObj>(v).Len() > 0;
    default: return v->Truth();
  }
}

// --- float formatting ------------------------------------------------------

namespace {

// Shortest round-tripping digits and decimal exponent of a finite non-zero
// |d|: d = 0.DIGITS * 10^(exp+1) with exp the exponent of the first digit.
void ShortestDigits(double d, std::string* digits, int* exp) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  std::string s(buf, r.ptr);
  auto e = s.find('e');
  std::string mant = s.substr(0, e);
  *exp = std::atoi(s.c_str() + e + 1);
  digits->clear();
  for (char c : mant)
    if (c != '.') digits->push_back(c);
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
}

std::string ExpSuffix(int exp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
  return buf;
}

}  // namespace

// Like Go's strconv.FormatFloat(d, 'g', -1, 64), which other Starlark
// implementations follow: the shortest digits that round-trip, in exponent
// form when the decimal exponent is < -4 or >= 6. Adds ".0" when the result
// would otherwise look like an int.
std::string FormatFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "+inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  std::string digits;
  int exp;
  ShortestDigits(d, &digits, &exp);
  std::string out = d < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += ExpSuffix(exp);
    return out;
  }
  if (exp < 0) {
    out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    return out;
  }
  size_t intlen = static_cast<size_t>(exp) + 1;
  if (digits.size() <= intlen) {
    out += digits + std::string(intlen - digits.size(), '0') + ".0";
  } else {
    out += digits.substr(0, intlen) + "." + digits.substr(intlen);
  }
  return out;
}

// --- repr ------------------------------------------------------------------

namespace {

// Whether a non-ASCII code point prints as itself in a quoted literal.
bool IsPrintable(uint32_t c) {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  if (!loc) return true;
  return iswprint_l(static_cast<wint_t>(c), loc) != 0 && c != 0x200B && c != 0x200C && c != 0x200D && c != 0xFEFF;
}

void QuoteString(std::string& out, const std::string& s, bool bytes) {
  if (bytes) out += 'b';
  out += '"';
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    // Keep valid UTF-8 sequences in strings; escape stray bytes.
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; k++)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) ok = false;
    if (ok) {
      size_t j = i;
      uint32_t cp = DecodeUtf8(s, &j);
      if (j == i + n && cp != 0xFFFD && !IsPrintable(cp)) {
        char buf[16];
        if (cp > 0xFFFF) std::snprintf(buf, sizeof buf, "\\U%08x", cp);
        else std::snprintf(buf, sizeof buf, "\\u%04x", cp);
        out += buf;
      } else {
        out.append(s, i, n);
      }
      i += n - 1;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  out += '"';
}

}  // namespace

namespace {

// `path` holds the containers being printed, so that a cycle prints as
// [...] or {...} wherever it closes.
void ReprPath(std::string& out, const Value& v, std::vector<const Object*>& path) {
  if (path.size() > 1000) Fail("repr: maximum recursion depth exceeded");
  switch (v->kind()) {
    case Kind::kNone: out += "None"; return;
    case Kind::kBool: out += As<BoolObj>(v).value ? "True" : "False"; return;
    case Kind::kInt: out += As<IntObj>(v).value.ToString(); return;
    case Kind::kFloat: out += FormatFloat(As<FloatObj>(v).value); return;
    case Kind::kString: QuoteString(out, StrOf(v), false); return;
    case Kind::kBytes: QuoteString(out, As<BytesObj>(v).value, true); return;
    case Kind::kList: case Kind::kTuple: case Kind::kDict: {
      if (std::find(path.begin(), path.end(), v.get()) != path.end()) {
        out += v->kind() == Kind::kList ? "[...]" : v->kind() == Kind::kDict ? "{...}" : "(...)";
        return;
      }
      break;
    }
    default: break;
  }
  path.push_back(v.get());
  struct Pop {
    std::vector<const Object*>& p;
    ~Pop() { p.pop_back(); }
  } pop{path};
  switch (v->kind()) {
    case Kind::kList: case Kind::kTuple: {
      const auto& el = v->kind() == Kind::kList ? As<ListObj>(v).elems : As<TupleObj>(v).elems;
      bool list = v->kind() == Kind::kList;
      out += list ? '[' : '(';
      for (size_t i = 0; i < el.size(); i++) {
        if (i) out += ", ";
        ReprPath(out, el[i], path);
      }
      if (!list && el.size() == 1) out += ',';
      out += list ? ']' : ')';
      return;
    }
    case Kind::kDict: {
      out += '{';
      bool first = true;
      for (auto& e : As<DictObj>(v).table.entries()) {
        if (!e.key) continue;
        if (!first) out += ", ";
        first = false;
        ReprPath(out, e.key, path);
        out += ": ";
        ReprPath(out, e.value, path);
      }
      out += '}';
      return;
    }
    case Kind::kSet: {
      out += "set([";
      bool first = true;
      for (auto& e : As<SetObj>(v).table.entries()) {
        if (!e.key) continue;
        if (!first) out += ", ";
        first = false;
        ReprPath(out, e.key, path);
      }
      out += "])";
      return;
    }
    case Kind::kRange: {
      auto& r = As<RangeObj>(v);
      out += "range(" + std::to_string(r.start) + ", " + std::to_string(r.stop);
      if (r.step != 1) out += ", " + std::to_string(r.step);
      out += ")";
      return;
    }
    default: out += v->Repr(); return;
  }
}

}  // namespace

void ReprTo(std::string& out, const Value& v, int) {
  std::vector<const Object*> path;
  ReprPath(out, v, path);
}

std::string Repr(const Value& v) {
  std::string out;
  ReprTo(out, v);
  return out;
}

std::string Str(const Value& v) {
  if (v->kind() == Kind::kString) return StrOf(v);
  return Repr(v);
}

// --- hashing and equality --------------------------------------------------

size_t Hash(const Value& v) {
  switch (v->kind()) {
    case Kind::kNone: return 0x9e3779b9;
    case Kind::kBool: return As<BoolObj>(v).value ? 0x51ed27 : 0x7f4a7c15;
    case Kind::kInt: return As<IntObj>(v).value.Hash();
    case Kind::kFloat: {
      double d = As<FloatObj>(v).value;
      // Equal ints and floats must hash alike.
      if (std::isfinite(d) && d == std::trunc(d)) return BigInt::FromDouble(d).Hash();
      if (std::isnan(d)) return 0x7ff8;  // all NaNs are equal
      return std::hash<double>()(d);
    }
    case Kind::kString: return std::hash<std::string>()(StrOf(v));
    case Kind::kBytes: return std::hash<std::string>()(As<BytesObj>(v).value) ^ 0x5bd1e995;
    case Kind::kTuple: {
      size_t h = 0x345678;
      for (auto& e : As<TupleObj>(v).elems) h = h * 1000003 ^ Hash(e);
      return h;
    }
    case Kind::kList: case Kind::kDict: case Kind::kSet:
      Fail("unhashable type: " + TypeName(v));
    case Kind::kRange: {
      auto& r = As<RangeObj>(v);
      return std::hash<int64_t>()(r.start) * 31 + std::hash<int64_t>()(r.stop) * 17 + std::hash<int64_t>()(r.step);
    }
    case Kind::kStruct: {
      size_t h = 0;
      for (auto& [k, x] : As<StructObj>(v).fields) h = h * 31 + std::hash<std::string>()(k) + Hash(x);
      return h;
    }
    default: return v->Hash();
  }
}

namespace {

bool IsNumber(const Value& v) { return v->kind() == Kind::kInt || v->kind() == Kind::kFloat; }

// Compares an int with a float exactly enough for Starlark's needs.
int CompareIntFloat(const BigInt& i, double f, bool* unordered) {
  *unordered = false;
  if (std::isnan(f)) {
    *unordered = true;
    return 0;
  }
  if (std::isinf(f)) return f > 0 ? -1 : 1;
  double t = std::trunc(f);
  int c = i.Compare(BigInt::FromDouble(t));
  if (c != 0) return c;
  return t < f ? -1 : t > f ? 1 : 0;
}

// Numeric three-way comparison. Floats are totally ordered as the spec
// requires: NaN equals itself and sorts above every other number.
int CompareNumbers(const Value& a, const Value& b, bool* unordered) {
  *unordered = false;
  if (a->kind() == Kind::kInt && b->kind() == Kind::kInt) return As<IntObj>(a).value.Compare(As<IntObj>(b).value);
  bool an = a->kind() == Kind::kFloat && std::isnan(As<FloatObj>(a).value);
  bool bn = b->kind() == Kind::kFloat && std::isnan(As<FloatObj>(b).value);
  if (an || bn) return an == bn ? 0 : an ? 1 : -1;
  if (a->kind() == Kind::kInt) return CompareIntFloat(As<IntObj>(a).value, As<FloatObj>(b).value, unordered);
  if (b->kind() == Kind::kInt) return -CompareIntFloat(As<IntObj>(b).value, As<FloatObj>(a).value, unordered);
  double x = As<FloatObj>(a).value, y = As<FloatObj>(b).value;
  return x < y ? -1 : x > y ? 1 : 0;
}

}  // namespace

namespace {
bool EqualDepth(const Value& a, const Value& b, int depth);
}  // namespace

bool Equal(const Value& a, const Value& b) { return EqualDepth(a, b, 0); }

namespace {

// Bounded so that comparing cyclic or absurdly deep values fails cleanly.
bool EqualDepth(const Value& a, const Value& b, int depth) {
  if (depth > 1000) Fail("comparison exceeded maximum recursion depth");
  if (a == b) return true;
  if (IsNumber(a) && IsNumber(b)) {
    bool un;
    int c = CompareNumbers(a, b, &un);
    return !un && c == 0;
  }
  if (a->kind() != b->kind()) return false;
  switch (a->kind()) {
    case Kind::kNone: return true;
    case Kind::kBool: return As<BoolObj>(a).value == As<BoolObj>(b).value;
    case Kind::kString: return StrOf(a) == StrOf(b);
    case Kind::kBytes: return As<BytesObj>(a).value == As<BytesObj>(b).value;
    case Kind::kList: case Kind::kTuple: {
      const auto& x = a->kind() == Kind::kList ? As<ListObj>(a).elems : As<TupleObj>(a).elems;
      const auto& y = b->kind() == Kind::kList ? As<ListObj>(b).elems : As<TupleObj>(b).elems;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); i++)
        if (!EqualDepth(x[i], y[i], depth + 1)) return false;
      return true;
    }
    case Kind::kDict: {
      auto& x = As<DictObj>(a).table;
      auto& y = As<DictObj>(b).table;
      if (x.size() != y.size()) return false;
      for (auto& e : x.entries()) {
        if (!e.key) continue;
        Value w = y.Get(e.key);
        if (!w || !EqualDepth(e.value, w, depth + 1)) return false;
      }
      return true;
    }
    case Kind::kSet: {
      auto& x = As<SetObj>(a).table;
      auto& y = As<SetObj>(b).table;
      if (x.size() != y.size()) return false;
      for (auto& e : x.entries())
        if (e.key && !y.Contains(e.key)) return false;
      return true;
    }
    case Kind::kRange: {
      auto& x = As<RangeObj>(a);
      auto& y = As<RangeObj>(b);
      int64_t n = x.Len();
      if (n != y.Len()) return false;
      if (n == 0) return true;
      if (x.start != y.start) return false;
      return n == 1 || x.step == y.step;
    }
    case Kind::kStruct: {
      auto& x = As<StructObj>(a).fields;
      auto& y = As<StructObj>(b).fields;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); i++)
        if (x[i].first != y[i].first || !EqualDepth(x[i].second, y[i].second, depth + 1)) return false;
      return true;
    }
    default: return false;
  }
}

}  // namespace

int Compare(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    bool un;
    int c = CompareNumbers(a, b, &un);
    if (un) {
      // NaN sorts after everything, consistently, so sorting terminates.
      bool an = a->kind() == Kind::kFloat && std::isnan(As<FloatObj>(a).value);
      bool bn = b->kind() == Kind::kFloat && std::isnan(As<FloatObj>(b).value);
      return an == bn ? 0 : an ? 1 : -1;
    }
    return c;
  }
  if (a->kind() == b->kind()) {
    switch (a->kind()) {
      case Kind::kString: {
        int c = StrOf(a).compare(StrOf(b));
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
      case Kind::kBytes: {
        int c = As<BytesObj>(a).value.compare(As<BytesObj>(b).value);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
      case Kind::kBool: return static_cast<int>(As<BoolObj>(a).value) - static_cast<int>(As<BoolObj>(b).value);
      case Kind::kList: case Kind::kTuple: {
        const auto& x = a->kind() == Kind::kList ? As<ListObj>(a).elems : As<TupleObj>(a).elems;
        const auto& y = b->kind() == Kind::kList ? As<ListObj>(b).elems : As<TupleObj>(b).elems;
        for (size_t i = 0; i < x.size() && i < y.size(); i++) {
          if (Equal(x[i], y[i])) continue;
          return Compare(x[i], y[i]);
        }
        return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
      }
      default: break;
    }
  }
  Fail(TypeName(a) + " < " + TypeName(b) + " not implemented");
}

// --- iteration ---------------------------------------------------------------

bool IsIterable(const Value& v) {
  switch (v->kind()) {
    case Kind::kList: case Kind::kTuple: case Kind::kDict: case Kind::kSet: case Kind::kRange: return true;
    case Kind::kOther: return v->Elems() != nullptr;
    default: return false;
  }
}

Iterator::Iterator(const Value& v) : v_(v) {
  switch (v->kind()) {
    case Kind::kList: guard_ = &As<ListObj>(v).mut.iterating; break;
    case Kind::kDict: guard_ = &As<DictObj>(v).mut.iterating; break;
    case Kind::kSet: guard_ = &As<SetObj>(v).mut.iterating; break;
    case Kind::kOther: {
      // Iterable embedder/view types expose their elements as a list.
      auto el = v->Elems();
      if (!el) Fail(TypeName(v) + " value is not iterable");
      v_ = el;
      break;
    }
    case Kind::kTuple: case Kind::kRange: break;
    default: Fail("got " + TypeName(v) + ", want iterable");
  }
  // Frozen containers cannot change, so they need no guard; leaving them
  // untouched keeps iteration of shared frozen values free of data races.
  bool frozen = (v->kind() == Kind::kList && As<ListObj>(v).mut.frozen) ||
                (v->kind() == Kind::kDict && As<DictObj>(v).mut.frozen) ||
                (v->kind() == Kind::kSet && As<SetObj>(v).mut.frozen);
  if (frozen) guard_ = nullptr;
  if (guard_) ++*guard_;
}

Iterator::~Iterator() {
  if (guard_) --*guard_;
}

bool Iterator::Next(Value* out) {
  switch (v_->kind()) {
    case Kind::kList: {
      auto& l = As<ListObj>(v_);
      if (i_ >= l.elems.size()) return false;
      *out = l.elems[i_++];
      return true;
    }
    case Kind::kTuple: {
      auto& t = As<TupleObj>(v_);
      if (i_ >= t.elems.size()) return false;
      *out = t.elems[i_++];
      return true;
    }
    case Kind::kDict: case Kind::kSet: {
      const auto& en = v_->kind() == Kind::kDict ? As<DictObj>(v_).table.entries() : As<SetObj>(v_).table.entries();
      while (i_ < en.size() && !en[i_].key) i_++;
      if (i_ >= en.size()) return false;
      *out = en[i_++].key;
      return true;
    }
    case Kind::kRange: {
      auto& r = As<RangeObj>(v_);
      if (static_cast<int64_t>(i_) >= r.Len()) return false;
      *out = MakeInt(r.At(static_cast<int64_t>(i_++)));
      return true;
    }
    default: return false;
  }
}

std::vector<Value> Elements(const Value& v) {
  switch (v->kind()) {
    case Kind::kList: return As<ListObj>(v).elems;
    case Kind::kTuple: return As<TupleObj>(v).elems;
    default: break;
  }
  std::vector<Value> out;
  Iterator it(v);
  Value x;
  while (it.Next(&x)) out.push_back(x);
  return out;
}

int64_t Len(const Value& v) {
  switch (v->kind()) {
    case Kind::kString: return static_cast<int64_t>(StrOf(v).size());
    case Kind::kBytes: return static_cast<int64_t>(As<BytesObj>(v).value.size());
    case Kind::kList: return static_cast<int64_t>(As<ListObj>(v).elems.size());
    case Kind::kTuple: return static_cast<int64_t>(As<TupleObj>(v).elems.size());
    case Kind::kDict: return static_cast<int64_t>(As<DictObj>(v).table.size());
    case Kind::kSet: return static_cast<int64_t>(As<SetObj>(v).table.size());
    case Kind::kRange: return As<RangeObj>(v).Len();
    case Kind::kOther: {
      auto* view = dynamic_cast<const ViewObj*>(v.get());
      return view && view->indexable() ? Len(view->Elems()) : -1;
    }
    default: return -1;
  }
}

void Freeze(const Value& v) { v->Freeze(); }

int64_t ToInt64(const Value& v, const char* what) {
  if (v->kind() != Kind::kInt) Fail(std::string(what) + ": got " + TypeName(v) + ", want int");
  auto x = As<IntObj>(v).value.ToInt64();
  if (!x) Fail(std::string(what) + ": int out of range");
  return *x;
}

// --- indexing and slicing ----------------------------------------------------

namespace {

int64_t IndexOf(const Value& i, int64_t len, const char* type) {
  if (i->kind() != Kind::kInt) Fail(std::string(type) + " index: got " + TypeName(i) + ", want int");
  auto x = As<IntObj>(i).value.ToInt64();
  int64_t n = x ? *x : (As<IntObj>(i).value.Sign() < 0 ? INT64_MIN / 2 : INT64_MAX / 2);
  int64_t orig = n;
  if (n < 0) n += len;
  if (n < 0 || n >= len)
    Fail(std::string(type) + " index " + std::to_string(orig) + " out of range [" +
         (len ? "-" + std::to_string(len) + ":" + std::to_string(len - 1) : "empty") + "]");
  return n;
}

}  // namespace

Value Index(const Value& x, const Value& i) {
  switch (x->kind()) {
    case Kind::kList: {
      auto& l = As<ListObj>(x);
      return l.elems[static_cast<size_t>(IndexOf(i, static_cast<int64_t>(l.elems.size()), "list"))];
    }
    case Kind::kTuple: {
      auto& t = As<TupleObj>(x);
      return t.elems[static_cast<size_t>(IndexOf(i, static_cast<int64_t>(t.elems.size()), "tuple"))];
    }
    case Kind::kString: {
      const auto& s = StrOf(x);
      return MakeString(std::string(1, s[static_cast<size_t>(IndexOf(i, static_cast<int64_t>(s.size()), "string"))]));
    }
    case Kind::kBytes: {
      const auto& s = As<BytesObj>(x).value;
      return MakeBytes(std::string(1, s[static_cast<size_t>(IndexOf(i, static_cast<int64_t>(s.size()), "bytes"))]));
    }
    case Kind::kRange: {
      auto& r = As<RangeObj>(x);
      return MakeInt(r.At(IndexOf(i, r.Len(), "range")));
    }
    case Kind::kDict: {
      Value v = As<DictObj>(x).table.Get(i);
      if (!v) Fail("key " + Repr(i) + " not in dict");
      return v;
    }
    case Kind::kOther: {
      auto* view = dynamic_cast<const ViewObj*>(x.get());
      if (view && view->indexable()) return Index(view->Elems(), i);
      break;
    }
    default: break;
  }
  Fail("unhandled index operation " + TypeName(x) + "[" + TypeName(i) + "]");
}

void SetIndex(const Value& x, const Value& i, const Value& v) {
  switch (x->kind()) {
    case Kind::kList: {
      auto& l = As<ListObj>(x);
      l.mut.Check("assign to element of", "list");
      l.elems[static_cast<size_t>(IndexOf(i, static_cast<int64_t>(l.elems.size()), "list"))] = v;
      return;
    }
    case Kind::kDict: {
      auto& d = As<DictObj>(x);
      d.mut.Check("insert into", "dict");
      d.table.Put(i, v);
      return;
    }
    default: Fail(TypeName(x) + " value does not support item assignment");
  }
}

namespace {

int64_t SliceBound(const Value& v, const char* which) {
  if (v->kind() != Kind::kInt) Fail(std::string("invalid ") + which + " index: got " + TypeName(v) + ", want int");
  auto x = As<IntObj>(v).value.ToInt64();
  if (!x) return As<IntObj>(v).value.Sign() < 0 ? INT64_MIN / 4 : INT64_MAX / 4;
  return *x;
}

}  // namespace

Value Slice(const Value& x, const Value& lo_v, const Value& hi_v, const Value& step_v) {
  int64_t len = Len(x);
  Kind k = x->kind();
  if (len < 0 || k == Kind::kDict || k == Kind::kSet || k == Kind::kOther) Fail("invalid slice operand " + TypeName(x));
  int64_t step = 1;
  if (step_v && !IsNone(step_v)) {
    if (step_v->kind() != Kind::kInt) Fail("invalid slice step: got " + TypeName(step_v) + ", want int");
    step = SliceBound(step_v, "slice step");
    if (step == 0) Fail("slice step cannot be zero");
  }
  int64_t lo, hi;
  auto clamp = [&](const Value& v, int64_t dflt, const char* which) -> int64_t {
    if (!v || IsNone(v)) return dflt;
    int64_t n = SliceBound(v, which);
    if (n < 0) n += len;
    if (step > 0) return std::clamp<int64_t>(n, 0, len);
    return std::clamp<int64_t>(n, -1, len - 1);
  };
  if (step > 0) {
    lo = clamp(lo_v, 0, "start");
    hi = clamp(hi_v, len, "end");
  } else {
    lo = clamp(lo_v, len - 1, "start");
    hi = clamp(hi_v, -1, "end");
  }
  std::vector<int64_t> idx;
  if (step > 0) {
    for (int64_t i = lo; i < hi; i += step) idx.push_back(i);
  } else {
    for (int64_t i = lo; i > hi; i += step) idx.push_back(i);
  }
  switch (k) {
    case Kind::kString: case Kind::kBytes: {
      const std::string& s = k == Kind::kString ? StrOf(x) : As<BytesObj>(x).value;
      std::string out;
      if (step == 1) out = lo < hi ? s.substr(static_cast<size_t>(lo), static_cast<size_t>(hi - lo)) : "";
      else
        for (int64_t i : idx) out += s[static_cast<size_t>(i)];
      return k == Kind::kString ? MakeString(std::move(out)) : MakeBytes(std::move(out));
    }
    case Kind::kList: case Kind::kTuple: {
      const auto& el = k == Kind::kList ? As<ListObj>(x).elems : As<TupleObj>(x).elems;
      std::vector<Value> out;
      out.reserve(idx.size());
      for (int64_t i : idx) out.push_back(el[static_cast<size_t>(i)]);
      return k == Kind::kList ? MakeList(std::move(out)) : MakeTuple(std::move(out));
    }
    case Kind::kRange: {
      auto& r = As<RangeObj>(x);
      int64_t n = static_cast<int64_t>(idx.size());
      int64_t start = r.At(lo);
      int64_t nstep = r.step * step;
      return std::make_shared<RangeObj>(start, start + n * nstep, nstep);
    }
    default: Fail("invalid slice operand " + TypeName(x));
  }
}

// --- arithmetic --------------------------------------------------------------

namespace {

double ToFloat(const Value& v) {
  if (v->kind() == Kind::kFloat) return As<FloatObj>(v).value;
  auto d = As<IntObj>(v).value.ToDouble();
  if (!d) Fail("int too large to convert to float");
  return *d;
}

Value Repeat(const Value& seq, const Value& n) {
  const BigInt& count = As<IntObj>(n).value;
  auto c = count.ToInt64();
  if ((!c && count.Sign() > 0) || (c && *c > (int64_t{1} << 31)))
    Fail("repeat count " + count.ToString() + " too large");
  int64_t times = c ? std::max<int64_t>(*c, 0) : 0;
  int64_t len = Len(seq);
  // Bounds the result so that a typo cannot exhaust memory.
  if (len > 0 && times > (int64_t{1} << 31) / len)
    Fail("excessive repeat (" + std::to_string(len) + " * " + std::to_string(times) + " elements)");
  switch (seq->kind()) {
    case Kind::kString: case Kind::kBytes: {
      const std::string& s = seq->kind() == Kind::kString ? StrOf(seq) : As<BytesObj>(seq).value;
      std::string out;
      out.reserve(s.size() * static_cast<size_t>(times));
      for (int64_t i = 0; i < times; i++) out += s;
      return seq->kind() == Kind::kString ? MakeString(std::move(out)) : MakeBytes(std::move(out));
    }
    default: {
      const auto& el = seq->kind() == Kind::kList ? As<ListObj>(seq).elems : As<TupleObj>(seq).elems;
      std::vector<Value> out;
      out.reserve(el.size() * static_cast<size_t>(times));
      for (int64_t i = 0; i < times; i++) out.insert(out.end(), el.begin(), el.end());
      return seq->kind() == Kind::kList ? MakeList(std::move(out)) : MakeTuple(std::move(out));
    }
  }
}

bool IsSeq(const Value& v) {
  Kind k = v->kind();
  return k == Kind::kString || k == Kind::kBytes || k == Kind::kList || k == Kind::kTuple;
}

Value SetOp(Op op, const Value& a, const Value& b) {
  auto out = std::make_shared<SetObj>();
  auto& x = As<SetObj>(a).table;
  auto& y = As<SetObj>(b).table;
  if (op == Op::kBitOr) {
    for (auto& e : x.entries()) if (e.key) out->table.Put(e.key, None());
    for (auto& e : y.entries()) if (e.key) out->table.Put(e.key, None());
  } else if (op == Op::kBitAnd) {
    for (auto& e : x.entries()) if (e.key && y.Contains(e.key)) out->table.Put(e.key, None());
  } else if (op == Op::kSub) {
    for (auto& e : x.entries()) if (e.key && !y.Contains(e.key)) out->table.Put(e.key, None());
  } else {  // ^
    for (auto& e : x.entries()) if (e.key && !y.Contains(e.key)) out->table.Put(e.key, None());
    for (auto& e : y.entries()) if (e.key && !x.Contains(e.key)) out->table.Put(e.key, None());
  }
  return out;
}

bool Contains(const Value& container, const Value& x) {
  switch (container->kind()) {
    case Kind::kList: case Kind::kTuple: {
      const auto& el = container->kind() == Kind::kList ? As<ListObj>(container).elems : As<TupleObj>(container).elems;
      for (auto& e : el)
        if (Equal(e, x)) return true;
      return false;
    }
    case Kind::kDict: return As<DictObj>(container).table.Contains(x);
    case Kind::kSet: return As<SetObj>(container).table.Contains(x);
    case Kind::kString:
      if (x->kind() != Kind::kString) Fail("'in <string>' requires string as left operand, not " + TypeName(x));
      return StrOf(container).find(StrOf(x)) != std::string::npos;
    case Kind::kBytes: {
      const auto& s = As<BytesObj>(container).value;
      if (x->kind() == Kind::kBytes) return s.find(As<BytesObj>(x).value) != std::string::npos;
      if (x->kind() == Kind::kInt) {
        int64_t b = ToInt64(x, "in bytes");
        if (b < 0 || b > 255) Fail("int in bytes: " + std::to_string(b) + " out of range");
        return s.find(static_cast<char>(b)) != std::string::npos;
      }
      Fail("'in bytes' requires bytes or int as left operand, not " + TypeName(x));
    }
    case Kind::kRange: {
      if (x->kind() == Kind::kFloat) {
        double d = As<FloatObj>(x).value;
        if (d != std::trunc(d)) return false;
      } else if (x->kind() != Kind::kInt) {
        return false;
      }
      auto& r = As<RangeObj>(container);
      BigInt v = x->kind() == Kind::kInt ? As<IntObj>(x).value : BigInt::FromDouble(As<FloatObj>(x).value);
      auto n = v.ToInt64();
      if (!n) return false;
      if (r.step > 0 ? (*n < r.start || *n >= r.stop) : (*n > r.start || *n <= r.stop)) return false;
      return (*n - r.start) % r.step == 0;
    }
    default: Fail("unknown binary op: " + TypeName(x) + " in " + TypeName(container));
  }
}

}  // namespace

Value Binary(Op op, const Value& a, const Value& b) {
  Kind ka = a->kind(), kb = b->kind();
  // Comparisons.
  if (op == Op::kEq) return Bool(Equal(a, b));
  if (op == Op::kNe) return Bool(!Equal(a, b));
  if (op == Op::kIn) return Bool(Contains(b, a));
  if (op == Op::kNotIn) return Bool(!Contains(b, a));
  if (op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe) {
    if (IsNumber(a) && IsNumber(b)) {
      bool un;
      int c = CompareNumbers(a, b, &un);
      if (un) return Bool(false);
      if (op == Op::kLt) return Bool(c < 0);
      if (op == Op::kLe) return Bool(c <= 0);
      if (op == Op::kGt) return Bool(c > 0);
      return Bool(c >= 0);
    }
    if (ka == Kind::kSet && kb == Kind::kSet) {
      // Subset and superset tests.
      auto& x = As<SetObj>(a).table;
      auto& y = As<SetObj>(b).table;
      auto subset = [](const HashTable& p, const HashTable& q) {
        for (auto& e : p.entries())
          if (e.key && !q.Contains(e.key)) return false;
        return true;
      };
      if (op == Op::kLe) return Bool(subset(x, y));
      if (op == Op::kGe) return Bool(subset(y, x));
      if (op == Op::kLt) return Bool(x.size() < y.size() && subset(x, y));
      return Bool(x.size() > y.size() && subset(y, x));
    }
    if (ka != kb || !(ka == Kind::kString || ka == Kind::kBytes || ka == Kind::kList || ka == Kind::kTuple || ka == Kind::kBool))
      Fail(TypeName(a) + " " + OpText(op) + " " + TypeName(b) + " not implemented");
    int c = Compare(a, b);
    if (op == Op::kLt) return Bool(c < 0);
    if (op == Op::kLe) return Bool(c <= 0);
    if (op == Op::kGt) return Bool(c > 0);
    return Bool(c >= 0);
  }
  if (ka == Kind::kInt && kb == Kind::kInt) {
    const BigInt& x = As<IntObj>(a).value;
    const BigInt& y = As<IntObj>(b).value;
    if (op == Op::kAdd) return MakeInt(x + y);
    if (op == Op::kSub) return MakeInt(x - y);
    if (op == Op::kMul) return MakeInt(x * y);
    if (op == Op::kFloorDiv) {
      if (y.Sign() == 0) Fail("integer division by zero");
      return MakeInt(BigInt::FloorDiv(x, y));
    }
    if (op == Op::kMod) {
      if (y.Sign() == 0) Fail("integer modulo by zero");
      return MakeInt(BigInt::FloorMod(x, y));
    }
    if (op == Op::kDiv) {
      if (y.Sign() == 0) Fail("floating-point division by zero");
      auto fx = x.ToDouble(), fy = y.ToDouble();
      if (!fx || !fy) Fail("int too large to convert to float");
      return MakeFloat(*fx / *fy);
    }
    if (op == Op::kBitAnd) return MakeInt(x & y);
    if (op == Op::kBitOr) return MakeInt(x | y);
    if (op == Op::kBitXor) return MakeInt(x ^ y);
    if (op == Op::kShl || op == Op::kShr) {
      if (y.Sign() < 0) Fail("negative shift count: " + y.ToString());
      auto n = y.ToInt64();
      if (op == Op::kShl) {
        if (!n || *n >= 512) Fail("shift count too large: " + y.ToString());
        return MakeInt(x.Shl(static_cast<uint64_t>(*n)));
      }
      return MakeInt(x.Shr(n ? static_cast<uint64_t>(*n) : 1u << 30));
    }
  }
  if (IsNumber(a) && IsNumber(b)) {
    double x = ToFloat(a), y = ToFloat(b);
    if (op == Op::kAdd) return MakeFloat(x + y);
    if (op == Op::kSub) return MakeFloat(x - y);
    if (op == Op::kMul) return MakeFloat(x * y);
    if (op == Op::kDiv) {
      if (y == 0) Fail("floating-point division by zero");
      return MakeFloat(x / y);
    }
    if (op == Op::kFloorDiv) {
      if (y == 0) Fail("floored division by zero");
      return MakeFloat(std::floor(x / y));
    }
    if (op == Op::kMod) {
      if (y == 0) Fail("floating-point modulo by zero");
      double m = std::fmod(x, y);
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return MakeFloat(m);
    }
  }
  if (op == Op::kAdd && ka == kb) {
    switch (ka) {
      case Kind::kString: return MakeString(StrOf(a) + StrOf(b));
      case Kind::kBytes: return MakeBytes(As<BytesObj>(a).value + As<BytesObj>(b).value);
      case Kind::kList: {
        std::vector<Value> v = As<ListObj>(a).elems;
        v.insert(v.end(), As<ListObj>(b).elems.begin(), As<ListObj>(b).elems.end());
        return MakeList(std::move(v));
      }
      case Kind::kTuple: {
        std::vector<Value> v = As<TupleObj>(a).elems;
        v.insert(v.end(), As<TupleObj>(b).elems.begin(), As<TupleObj>(b).elems.end());
        return MakeTuple(std::move(v));
      }
      default: break;
    }
  }
  if (op == Op::kMul) {
    if (IsSeq(a) && kb == Kind::kInt) return Repeat(a, b);
    if (ka == Kind::kInt && IsSeq(b)) return Repeat(b, a);
  }
  if (op == Op::kMod && ka == Kind::kString) return MakeString(Percent(StrOf(a), b));
  if (ka == Kind::kSet && kb == Kind::kSet && (op == Op::kBitOr || op == Op::kBitAnd || op == Op::kSub || op == Op::kBitXor))
    return SetOp(op, a, b);
  if (op == Op::kBitOr && ka == Kind::kDict && kb == Kind::kDict) {
    auto d = std::make_shared<DictObj>();
    for (auto& e : As<DictObj>(a).table.entries()) if (e.key) d->table.Put(e.key, e.value);
    for (auto& e : As<DictObj>(b).table.entries()) if (e.key) d->table.Put(e.key, e.value);
    return d;
  }
  Fail("unknown binary op: " + TypeName(a) + " " + OpText(op) + " " + TypeName(b));
}

Value Binary(const std::string& op, const Value& a, const Value& b) { return Binary(ParseOp(op), a, b); }

namespace {
constexpr const char* kOpText[] = {"+", "-", "*", "/", "//", "%", "&", "|", "^", "<<", ">>",
                                   "==", "!=", "<", "<=", ">", ">=", "in", "not in"};
}  // namespace

const char* OpText(Op op) { return kOpText[static_cast<int>(op)]; }

Op ParseOp(std::string_view text) {
  for (int i = 0; i < static_cast<int>(std::size(kOpText)); i++)
    if (text == kOpText[i]) return static_cast<Op>(i);
  Fail("unknown operator " + std::string(text));
}

Value Unary(const std::string& op, const Value& a) {
  if (a->kind() == Kind::kInt) {
    if (op == "-") return MakeInt(-As<IntObj>(a).value);
    if (op == "+") return a;
    if (op == "~") return MakeInt(~As<IntObj>(a).value);
  }
  if (a->kind() == Kind::kFloat) {
    if (op == "-") return MakeFloat(-As<FloatObj>(a).value);
    if (op == "+") return a;
  }
  Fail("unknown unary op: " + op + TypeName(a));
}

// --- attributes ----------------------------------------------------------------

Value GetAttr(const Value& x, const std::string& name) {
  if (const MethodTable* t = MethodsOf(x->kind())) {
    auto it = t->find(name);
    if (it != t->end()) {
      MethodFn fn = it->second;
      return std::make_shared<BuiltinObj>(
          TypeName(x) + "." + name, [fn](Thread& th, const Value& self, Args& args) { return fn(th, self, args); }, x);
    }
  }
  return x->Attr(name);
}

std::string ClosestName(const std::string& name, const std::vector<std::string>& candidates, size_t max_distance) {
  // Case-insensitive edit distance; the nearest candidate within the
  // limit, or "".
  auto lower = [](std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  std::string best;
  size_t best_d = max_distance + 1;
  std::string a = lower(name);
  for (const auto& cand : candidates) {
    if (cand == name) continue;
    std::string b = lower(cand);
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); j++) prev[j] = j;
    for (size_t i = 1; i <= a.size(); i++) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); j++)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    if (prev[b.size()] < best_d || (prev[b.size()] == best_d && !best.empty() && cand < best)) {
      best_d = prev[b.size()];
      best = cand;
    }
  }
  return best;
}

std::string NoAttrMessage(const Value& x, const std::string& name) {
  std::string msg = TypeName(x) + " has no ." + name + " field or method";
  std::string best = ClosestName(name, AttrNames(x), std::max<size_t>(2, name.size() / 3));
  if (!best.empty()) msg += " (did you mean ." + best + "?)";
  return msg;
}

std::vector<std::string> AttrNames(const Value& x) {
  std::vector<std::string> out;
  if (const MethodTable* t = MethodsOf(x->kind()))
    for (auto& [k, v] : *t) out.push_back(k);
  for (auto& n : x->AttrNames()) out.push_back(n);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tinyrange::starlark
