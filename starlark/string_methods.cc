// Methods of string and bytes.
#include <locale.h>
#include <wctype.h>

#include <algorithm>

#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {

uint32_t DecodeUtf8(const std::string& s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || *i + n > s.size()) {
    (*i)++;
    return 0xFFFD;
  }
  uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; k++) {
    unsigned char d = static_cast<unsigned char>(s[*i + k]);
    if ((d & 0xC0) != 0x80) {
      (*i)++;
      return 0xFFFD;
    }
    v = (v << 6) | (d & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || (v >= 0xD800 && v < 0xE000) || v > 0x10FFFF) {
    (*i)++;
    return 0xFFFD;
  }
  *i += n;
  return v;
}

void EncodeUtf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

namespace {

const std::string& S(const Value& v) { return StrOf(v); }

// Unicode case mapping via a private C.UTF-8 locale object: no process-wide
// setlocale(), so embedding programs and other threads are unaffected.
locale_t Utf8Locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}
uint32_t ToUpperCp(uint32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z' ? c - 32 : c;
  return Utf8Locale() ? static_cast<uint32_t>(towupper_l(static_cast<wint_t>(c), Utf8Locale())) : c;
}
uint32_t ToLowerCp(uint32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  return Utf8Locale() ? static_cast<uint32_t>(towlower_l(static_cast<wint_t>(c), Utf8Locale())) : c;
}
// Title case of the few digraphs that have one (Ǆ/ǅ/ǆ and friends).
uint32_t ToTitleCp(uint32_t c) {
  switch (c) {
    case 0x01C4: case 0x01C5: case 0x01C6: return 0x01C5;
    case 0x01C7: case 0x01C8: case 0x01C9: return 0x01C8;
    case 0x01CA: case 0x01CB: case 0x01CC: return 0x01CB;
    case 0x01F1: case 0x01F2: case 0x01F3: return 0x01F2;
    default: return ToUpperCp(c);
  }
}
bool IsUpperCp(uint32_t c) { return ToLowerCp(c) != c || (c < 0x80 && c >= 'A' && c <= 'Z'); }
bool IsLowerCp(uint32_t c) { return ToUpperCp(c) != c || (c < 0x80 && c >= 'a' && c <= 'z'); }
bool IsCasedCp(uint32_t c) { return IsUpperCp(c) || IsLowerCp(c) || ToTitleCp(c) != c; }
bool IsTitleCp(uint32_t c) { return c == 0x01C5 || c == 0x01C8 || c == 0x01CB || c == 0x01F2; }

template <typename F>
std::string MapCodepoints(const std::string& s, F f) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t b = i;
    uint32_t c = DecodeUtf8(s, &i);
    if (c == 0xFFFD && i - b == 1) out.push_back(s[b]);  // keep invalid bytes
    else EncodeUtf8(out, f(c, b == 0));
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

Value NoArgs(const std::string& fn, Args& args) {
  UnpackPositional(fn, args, 0, 0, {});
  return nullptr;
}

Value Capitalize(Thread&, const Value& self, Args& args) {
  NoArgs("capitalize", args);
  return MakeString(MapCodepoints(S(self), [](uint32_t c, bool first) { return first ? ToTitleCp(c) : ToLowerCp(c); }));
}

Value Lower_(Thread&, const Value& self, Args& args) {
  NoArgs("lower", args);
  return MakeString(MapCodepoints(S(self), [](uint32_t c, bool) { return ToLowerCp(c); }));
}

Value Upper_(Thread&, const Value& self, Args& args) {
  NoArgs("upper", args);
  return MakeString(MapCodepoints(S(self), [](uint32_t c, bool) { return ToUpperCp(c); }));
}

Value Title(Thread&, const Value& self, Args& args) {
  NoArgs("title", args);
  bool prev_cased = false;
  return MakeString(MapCodepoints(S(self), [&](uint32_t c, bool) {
    bool cased = IsCasedCp(c);
    uint32_t r = cased ? (prev_cased ? ToLowerCp(c) : ToTitleCp(c)) : c;
    prev_cased = cased;
    return r;
  }));
}

template <typename Pred>
Value AllChars(const std::string& fn, const Value& self, Args& args, Pred p) {
  NoArgs(fn, args);
  const std::string& s = S(self);
  if (s.empty()) return Bool(false);
  for (size_t i = 0; i < s.size();)
    if (!p(DecodeUtf8(s, &i))) return Bool(false);
  return Bool(true);
}

Value IsAlnum(Thread&, const Value& self, Args& args) {
  return AllChars("isalnum", self, args, [](uint32_t c) { return Utf8Locale() && iswalnum_l(static_cast<wint_t>(c), Utf8Locale()) != 0; });
}
Value IsAlpha(Thread&, const Value& self, Args& args) {
  return AllChars("isalpha", self, args, [](uint32_t c) { return Utf8Locale() && iswalpha_l(static_cast<wint_t>(c), Utf8Locale()) != 0; });
}
Value IsDigit(Thread&, const Value& self, Args& args) {
  return AllChars("isdigit", self, args, [](uint32_t c) { return c >= '0' && c <= '9'; });
}
Value IsSpace_(Thread&, const Value& self, Args& args) {
  return AllChars("isspace", self, args, [](uint32_t c) {
    return c < 0x80 ? IsSpace(static_cast<char>(c)) : (Utf8Locale() && iswspace_l(static_cast<wint_t>(c), Utf8Locale()) != 0);
  });
}
// islower/isupper: at least one cased character and no character of the other case.
Value IsLower_(Thread&, const Value& self, Args& args) {
  NoArgs("islower", args);
  bool cased = false;
  const std::string& s = S(self);
  for (size_t i = 0; i < s.size();) {
    uint32_t c = DecodeUtf8(s, &i);
    if (IsUpperCp(c) || IsTitleCp(c)) return Bool(false);
    if (IsLowerCp(c)) cased = true;
  }
  return Bool(cased);
}
Value IsUpper_(Thread&, const Value& self, Args& args) {
  NoArgs("isupper", args);
  bool cased = false;
  const std::string& s = S(self);
  for (size_t i = 0; i < s.size();) {
    uint32_t c = DecodeUtf8(s, &i);
    if (IsLowerCp(c) || IsTitleCp(c)) return Bool(false);
    if (IsUpperCp(c)) cased = true;
  }
  return Bool(cased);
}
Value IsTitle(Thread&, const Value& self, Args& args) {
  NoArgs("istitle", args);
  bool prev_cased = false, any = false;
  const std::string& s = S(self);
  for (size_t i = 0; i < s.size();) {
    uint32_t c = DecodeUtf8(s, &i);
    if (IsUpperCp(c) || IsTitleCp(c)) {
      if (prev_cased) return Bool(false);
      prev_cased = true;
      any = true;
    } else if (IsLowerCp(c)) {
      if (!prev_cased) return Bool(false);
      prev_cased = true;
    } else {
      prev_cased = false;
    }
  }
  return Bool(any);
}

Value Find(const std::string& fn, const Value& self, Args& args, bool last, bool must) {
  Value sub, start, end;
  UnpackPositional(fn, args, 1, 3, {&sub, &start, &end});
  const std::string& needle = WantString(fn, "sub", sub);
  const std::string& s = S(self);
  int64_t lo, hi;
  ClampRange(fn, static_cast<int64_t>(s.size()), start, end, &lo, &hi);
  int64_t r = -1;
  if (lo <= hi) {
    std::string_view window(s.data() + lo, static_cast<size_t>(hi - lo));
    size_t p = last ? window.rfind(needle) : window.find(needle);
    if (p != std::string_view::npos) r = lo + static_cast<int64_t>(p);
  }
  if (r < 0 && must) Fail(fn + ": substring not found");
  return MakeInt(r);
}
Value Find_(Thread&, const Value& self, Args& args) { return Find("find", self, args, false, false); }
Value RFind(Thread&, const Value& self, Args& args) { return Find("rfind", self, args, true, false); }
Value Index_(Thread&, const Value& self, Args& args) { return Find("index", self, args, false, true); }
Value RIndex(Thread&, const Value& self, Args& args) { return Find("rindex", self, args, true, true); }

Value Count(Thread&, const Value& self, Args& args) {
  Value sub, start, end;
  UnpackPositional("count", args, 1, 3, {&sub, &start, &end});
  const std::string& needle = WantString("count", "sub", sub);
  const std::string& s = S(self);
  int64_t lo, hi;
  ClampRange("count", static_cast<int64_t>(s.size()), start, end, &lo, &hi);
  if (lo > hi) return MakeInt(0);
  std::string_view w(s.data() + lo, static_cast<size_t>(hi - lo));
  if (needle.empty()) return MakeInt(static_cast<int64_t>(w.size()) + 1);
  int64_t n = 0;
  for (size_t p = w.find(needle); p != std::string_view::npos; p = w.find(needle, p + needle.size())) n++;
  return MakeInt(n);
}

Value StartsEnds(const std::string& fn, const Value& self, Args& args, bool ends) {
  Value x, start, end;
  UnpackPositional(fn, args, 1, 3, {&x, &start, &end});
  const std::string& s = S(self);
  int64_t lo, hi;
  ClampRange(fn, static_cast<int64_t>(s.size()), start, end, &lo, &hi);
  std::string_view w = lo <= hi ? std::string_view(s.data() + lo, static_cast<size_t>(hi - lo)) : std::string_view();
  std::vector<Value> cands;
  if (x->kind() == Kind::kTuple) cands = As<TupleObj>(x).elems;
  else cands.push_back(x);
  for (auto& c : cands) {
    if (c->kind() != Kind::kString) Fail(fn + ": got " + TypeName(c) + ", want string or tuple of strings");
    const std::string& p = S(c);
    if (ends ? (w.size() >= p.size() && w.substr(w.size() - p.size()) == p) : w.substr(0, p.size()) == p)
      return Bool(true);
  }
  return Bool(false);
}
Value StartsWith(Thread&, const Value& self, Args& args) { return StartsEnds("startswith", self, args, false); }
Value EndsWith(Thread&, const Value& self, Args& args) { return StartsEnds("endswith", self, args, true); }

Value Format(Thread&, const Value& self, Args& args) { return MakeString(FormatMethod(S(self), args)); }

Value Join(Thread&, const Value& self, Args& args) {
  Value it;
  UnpackPositional("join", args, 1, 1, {&it});
  if (!IsIterable(it)) Fail("join: got " + TypeName(it) + ", want iterable");
  std::string out;
  bool first = true;
  for (auto& e : Elements(it)) {
    if (e->kind() != Kind::kString) Fail("join: in list, want string, got " + TypeName(e));
    if (!first) out += S(self);
    first = false;
    out += S(e);
  }
  return MakeString(out);
}

Value Strip(const std::string& fn, const Value& self, Args& args, bool left, bool right) {
  Value chars;
  UnpackPositional(fn, args, 0, 1, {&chars});
  const std::string& s = S(self);
  std::string set;
  bool ws = !chars || IsNone(chars);
  if (!ws) set = WantString(fn, "chars", chars);
  if (set.empty()) ws = true;  // strip("") strips whitespace too
  auto strip = [&](char c) { return ws ? IsSpace(c) : set.find(c) != std::string::npos; };
  size_t b = 0, e = s.size();
  if (left)
    while (b < e && strip(s[b])) b++;
  if (right)
    while (e > b && strip(s[e - 1])) e--;
  return MakeString(s.substr(b, e - b));
}
Value Strip_(Thread&, const Value& self, Args& args) { return Strip("strip", self, args, true, true); }
Value LStrip(Thread&, const Value& self, Args& args) { return Strip("lstrip", self, args, true, false); }
Value RStrip(Thread&, const Value& self, Args& args) { return Strip("rstrip", self, args, false, true); }

Value Partition(const std::string& fn, const Value& self, Args& args, bool last) {
  Value sep;
  UnpackPositional(fn, args, 1, 1, {&sep});
  const std::string& p = WantString(fn, "sep", sep);
  if (p.empty()) Fail(fn + ": empty separator");
  const std::string& s = S(self);
  size_t i = last ? s.rfind(p) : s.find(p);
  if (i == std::string::npos) {
    if (last) return MakeTuple({MakeString(""), MakeString(""), self});
    return MakeTuple({self, MakeString(""), MakeString("")});
  }
  return MakeTuple({MakeString(s.substr(0, i)), sep, MakeString(s.substr(i + p.size()))});
}
Value Partition_(Thread&, const Value& self, Args& args) { return Partition("partition", self, args, false); }
Value RPartition(Thread&, const Value& self, Args& args) { return Partition("rpartition", self, args, true); }

Value RemovePrefix(Thread&, const Value& self, Args& args) {
  Value p;
  UnpackPositional("removeprefix", args, 1, 1, {&p});
  const std::string& x = WantString("removeprefix", "prefix", p);
  const std::string& s = S(self);
  if (s.compare(0, x.size(), x) == 0 && s.size() >= x.size()) return MakeString(s.substr(x.size()));
  return self;
}
Value RemoveSuffix(Thread&, const Value& self, Args& args) {
  Value p;
  UnpackPositional("removesuffix", args, 1, 1, {&p});
  const std::string& x = WantString("removesuffix", "suffix", p);
  const std::string& s = S(self);
  if (s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0)
    return MakeString(s.substr(0, s.size() - x.size()));
  return self;
}

Value Replace(Thread&, const Value& self, Args& args) {
  Value o, n, c;
  UnpackPositional("replace", args, 2, 3, {&o, &n, &c});
  const std::string& old = WantString("replace", "old", o);
  const std::string& nw = WantString("replace", "new", n);
  int64_t count = c && !IsNone(c) ? WantInt("replace", "count", c) : -1;
  const std::string& s = S(self);
  std::string out;
  size_t pos = 0;
  int64_t done = 0;
  if (old.empty()) {
    // Inserts `new` before each character and at the end.
    for (size_t i = 0; i <= s.size(); i++) {
      if (count < 0 || done < count) {
        out += nw;
        done++;
      }
      if (i < s.size()) out += s[i];
    }
    return MakeString(out);
  }
  while (count < 0 || done < count) {
    size_t f = s.find(old, pos);
    if (f == std::string::npos) break;
    out.append(s, pos, f - pos);
    out += nw;
    pos = f + old.size();
    done++;
  }
  out.append(s, pos, std::string::npos);
  return MakeString(out);
}

Value Split(const std::string& fn, const Value& self, Args& args, bool right) {
  Value sep, maxv;
  Unpack(fn, args, {"sep?", "maxsplit?"}, {&sep, &maxv});
  int64_t maxsplit = maxv && !IsNone(maxv) ? WantInt(fn, "maxsplit", maxv) : -1;
  const std::string& s = S(self);
  std::vector<std::string> parts;
  if (!sep || IsNone(sep)) {
    // Runs of whitespace separate; leading/trailing whitespace is ignored.
    if (!right) {
      size_t i = 0;
      while (true) {
        while (i < s.size() && IsSpace(s[i])) i++;
        if (i >= s.size()) break;
        if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
          parts.push_back(s.substr(i));  // the rest, trailing space and all
          break;
        }
        size_t b = i;
        while (i < s.size() && !IsSpace(s[i])) i++;
        parts.push_back(s.substr(b, i - b));
      }
    } else {
      size_t i = s.size();
      while (true) {
        while (i > 0 && IsSpace(s[i - 1])) i--;
        if (i == 0) break;
        if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
          parts.push_back(s.substr(0, i));  // the rest, leading space and all
          break;
        }
        size_t e = i;
        while (i > 0 && !IsSpace(s[i - 1])) i--;
        parts.push_back(s.substr(i, e - i));
      }
      std::reverse(parts.begin(), parts.end());
    }
  } else {
    const std::string& p = WantString(fn, "sep", sep);
    if (p.empty()) Fail(fn + ": empty separator");
    if (!right) {
      size_t pos = 0;
      while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
        size_t f = s.find(p, pos);
        if (f == std::string::npos) break;
        parts.push_back(s.substr(pos, f - pos));
        pos = f + p.size();
      }
      parts.push_back(s.substr(pos));
    } else {
      size_t end = s.size();
      while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
        if (end < p.size()) break;
        size_t f = s.rfind(p, end - p.size());
        if (f == std::string::npos) break;
        parts.push_back(s.substr(f + p.size(), end - f - p.size()));
        end = f;
      }
      parts.push_back(s.substr(0, end));
      std::reverse(parts.begin(), parts.end());
    }
  }
  std::vector<Value> out;
  for (auto& x : parts) out.push_back(MakeString(x));
  return MakeList(std::move(out));
}
Value Split_(Thread&, const Value& self, Args& args) { return Split("split", self, args, false); }
Value RSplit(Thread&, const Value& self, Args& args) { return Split("rsplit", self, args, true); }

Value SplitLines(Thread&, const Value& self, Args& args) {
  Value k;
  Unpack("splitlines", args, {"keepends?"}, {&k});
  bool keep = k && WantBool("splitlines", "keepends", k);
  const std::string& s = S(self);
  std::vector<Value> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t b = i;
    while (i < s.size() && s[i] != '\n' && s[i] != '\r') i++;
    size_t e = i;
    if (i < s.size()) {
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') i += 2;
      else i++;
    }
    out.push_back(MakeString(s.substr(b, (keep ? i : e) - b)));
  }
  return MakeList(std::move(out));
}

Value Elems(Thread&, const Value& self, Args& args) {
  NoArgs("elems", args);
  std::vector<Value> v;
  for (char c : S(self)) v.push_back(MakeString(std::string(1, c)));
  return std::make_shared<ViewObj>("string.elems", Repr(self) + ".elems()", MakeList(std::move(v)), true);
}
Value ElemOrds(Thread&, const Value& self, Args& args) {
  NoArgs("elem_ords", args);
  std::vector<Value> v;
  for (char c : S(self)) v.push_back(MakeInt(static_cast<int64_t>(static_cast<unsigned char>(c))));
  return std::make_shared<ViewObj>("string.elems", Repr(self) + ".elem_ords()", MakeList(std::move(v)), true);
}
Value Codepoints(Thread&, const Value& self, Args& args) {
  NoArgs("codepoints", args);
  std::vector<Value> v;
  const std::string& s = S(self);
  for (size_t i = 0; i < s.size();) {
    size_t b = i;
    uint32_t c = DecodeUtf8(s, &i);
    // An invalid byte is a code point of its own: U+FFFD.
    v.push_back(MakeString(c == 0xFFFD && i - b == 1 ? "\xef\xbf\xbd" : s.substr(b, i - b)));
  }
  return std::make_shared<ViewObj>("string.codepoints", Repr(self) + ".codepoints()", MakeList(std::move(v)), false);
}
Value CodepointOrds(Thread&, const Value& self, Args& args) {
  NoArgs("codepoint_ords", args);
  std::vector<Value> v;
  const std::string& s = S(self);
  for (size_t i = 0; i < s.size();) v.push_back(MakeInt(static_cast<int64_t>(DecodeUtf8(s, &i))));
  return std::make_shared<ViewObj>("string.codepoints", Repr(self) + ".codepoint_ords()", MakeList(std::move(v)), false);
}

Value BytesElems(Thread&, const Value& self, Args& args) {
  NoArgs("elems", args);
  std::vector<Value> v;
  for (char c : As<BytesObj>(self).value) v.push_back(MakeInt(static_cast<int64_t>(static_cast<unsigned char>(c))));
  return std::make_shared<ViewObj>("bytes.elems", Repr(self) + ".elems()", MakeList(std::move(v)), true);
}

}  // namespace

const MethodTable& StringMethods() {
  static const MethodTable t = {
      {"capitalize", Capitalize}, {"codepoint_ords", CodepointOrds}, {"codepoints", Codepoints},
      {"count", Count}, {"elem_ords", ElemOrds}, {"elems", Elems}, {"endswith", EndsWith},
      {"find", Find_}, {"format", Format}, {"index", Index_}, {"isalnum", IsAlnum},
      {"isalpha", IsAlpha}, {"isdigit", IsDigit}, {"islower", IsLower_}, {"isspace", IsSpace_},
      {"istitle", IsTitle}, {"isupper", IsUpper_}, {"join", Join}, {"lower", Lower_},
      {"lstrip", LStrip}, {"partition", Partition_}, {"removeprefix", RemovePrefix},
      {"removesuffix", RemoveSuffix}, {"replace", Replace}, {"rfind", RFind}, {"rindex", RIndex},
      {"rpartition", RPartition}, {"rsplit", RSplit}, {"rstrip", RStrip}, {"split", Split_},
      {"splitlines", SplitLines}, {"startswith", StartsWith}, {"strip", Strip_}, {"title", Title},
      {"upper", Upper_},
  };
  return t;
}

const MethodTable& BytesMethods() {
  static const MethodTable t = {{"elems", BytesElems}};
  return t;
}

}  // namespace tinyrange::starlark
