// The json module: encode, decode, indent, encode_indent.
#include <algorithm>
#include <cmath>

#include "starlark/builtins.h"
#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {
namespace {

void Quote(std::string& out, const std::string& s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; i++; continue;
      case '\\': out += "\\\\"; i++; continue;
      case '\n': out += "\\n"; i++; continue;
      case '\t': out += "\\t"; i++; continue;
      case '\r': out += "\\r"; i++; continue;
      case '\b': out += "\\b"; i++; continue;
      case '\f': out += "\\f"; i++; continue;
      default: break;
    }
    if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      i++;
      continue;
    }
    size_t b = i;
    uint32_t cp = DecodeUtf8(s, &i);
    if (cp == 0xFFFD && i - b == 1 && c >= 0x80) out += "\\ufffd";
    else out.append(s, b, i - b);
  }
  out += '"';
}

// `path` holds the containers being encoded, to report cycles.
void Encode(std::string& out, const Value& v, std::vector<const Object*>& path) {
  if (path.size() > 1000) Fail("nesting too deep");
  Kind vk = v->kind();
  if (vk == Kind::kList || vk == Kind::kTuple || vk == Kind::kDict || vk == Kind::kStruct || vk == Kind::kModule) {
    if (std::find(path.begin(), path.end(), v.get()) != path.end()) Fail("cycle in JSON structure");
  }
  path.push_back(v.get());
  struct Pop {
    std::vector<const Object*>& p;
    ~Pop() { p.pop_back(); }
  } pop{path};
  switch (v->kind()) {
    case Kind::kNone: out += "null"; return;
    case Kind::kBool: out += As<BoolObj>(v).value ? "true" : "false"; return;
    case Kind::kInt: out += As<IntObj>(v).value.ToString(); return;
    case Kind::kFloat: {
      double d = As<FloatObj>(v).value;
      if (!std::isfinite(d)) Fail("cannot encode non-finite float " + FormatFloat(d));
      out += FormatFloat(d);  // keeps ".0" so that floats round-trip as floats
      return;
    }
    case Kind::kString: Quote(out, StrOf(v)); return;
    case Kind::kList: case Kind::kTuple: {
      const auto& el = v->kind() == Kind::kList ? As<ListObj>(v).elems : As<TupleObj>(v).elems;
      out += '[';
      for (size_t i = 0; i < el.size(); i++) {
        if (i) out += ',';
        try {
          Encode(out, el[i], path);
        } catch (Error& e) {  // say where in the structure it failed
          Fail(std::string("at ") + (v->kind() == Kind::kList ? "list" : "tuple") + " index " + std::to_string(i) + ": " + e.message());
        }
      }
      out += ']';
      return;
    }
    case Kind::kDict: {
      std::vector<std::pair<std::string, Value>> items;
      for (auto& e : As<DictObj>(v).table.entries()) {
        if (!e.key) continue;
        if (e.key->kind() != Kind::kString) Fail("dict has " + TypeName(e.key) + " key, want string");
        items.emplace_back(StrOf(e.key), e.value);
      }
      std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      for (size_t i = 0; i < items.size(); i++) {
        if (i) out += ',';
        Quote(out, items[i].first);
        out += ':';
        try {
          Encode(out, items[i].second, path);
        } catch (Error& e) {
          Fail("in dict key " + Repr(MakeString(items[i].first)) + ": " + e.message());
        }
      }
      out += '}';
      return;
    }
    case Kind::kStruct: case Kind::kModule: {
      out += '{';
      bool first = true;
      for (auto& [k, x] : As<StructObj>(v).fields) {
        if (!first) out += ',';
        first = false;
        Quote(out, k);
        out += ':';
        try {
          Encode(out, x, path);
        } catch (Error& e) {
          Fail("in field ." + k + ": " + e.message());
        }
      }
      out += '}';
      return;
    }
    default:
      if (IsIterable(v)) {  // any other iterable encodes as an array
        out += '[';
        bool first = true;
        for (auto& x : Elements(v)) {
          if (!first) out += ',';
          first = false;
          Encode(out, x, path);
        }
        out += ']';
        return;
      }
      Fail("cannot encode " + TypeName(v) + " as JSON");
  }
}

class Decoder {
 public:
  explicit Decoder(const std::string& s) : s_(s) {}
  Value Run() {
    Value v = Parse(0);
    Skip();
    if (p_ != s_.size()) Err("unexpected character " + Describe() + " after value");
    return v;
  }

 private:
  [[noreturn]] void Err(const std::string& m) {
    Fail("json.decode: at offset " + std::to_string(p_) + ", " + m);
  }
  void Skip() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) p_++;
  }
  Value Parse(int depth) {
    if (depth > 1000) Err("nesting too deep");
    Skip();
    if (p_ >= s_.size()) Err("unexpected end of file");
    char c = s_[p_];
    if (c == '{') {
      p_++;
      auto d = std::make_shared<DictObj>();
      Skip();
      if (p_ < s_.size() && s_[p_] == '}') {
        p_++;
        return d;
      }
      while (true) {
        Skip();
        if (p_ >= s_.size()) Err("unexpected end of file");
        if (s_[p_] != '"') Err("unexpected character " + Describe() + ", want string");
        Value k = ParseString();
        Skip();
        if (p_ >= s_.size()) Err("unexpected end of file");
        if (s_[p_] != ':') Err("after object key, got " + Describe() + ", want ':'");
        p_++;
        Value v = Parse(depth + 1);
        if (!d->table.Put(k, v)) Err("object has duplicate key: " + Repr(k));
        Skip();
        if (p_ < s_.size() && s_[p_] == ',') {
          p_++;
          continue;
        }
        if (p_ < s_.size() && s_[p_] == '}') {
          p_++;
          return d;
        }
        if (p_ >= s_.size()) Err("unexpected end of file");
        Err("in object, got " + Describe() + ", want ',' or '}'");
      }
    }
    if (c == '[') {
      p_++;
      std::vector<Value> el;
      Skip();
      if (p_ < s_.size() && s_[p_] == ']') {
        p_++;
        return MakeList({});
      }
      while (true) {
        el.push_back(Parse(depth + 1));
        Skip();
        if (p_ < s_.size() && s_[p_] == ',') {
          p_++;
          continue;
        }
        if (p_ < s_.size() && s_[p_] == ']') {
          p_++;
          return MakeList(std::move(el));
        }
        if (p_ >= s_.size()) Err("unexpected end of file");
        Err("in array, got " + Describe() + ", want ',' or ']'");
      }
    }
    if (c == '"') return ParseString();
    if (s_.compare(p_, 4, "null") == 0) { p_ += 4; return None(); }
    if (s_.compare(p_, 4, "true") == 0) { p_ += 4; return Bool(true); }
    if (s_.compare(p_, 5, "false") == 0) { p_ += 5; return Bool(false); }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return ParseNumber();
    Err("unexpected character " + Describe());
  }
  std::string Describe() { return p_ >= s_.size() ? "end of file" : std::string("'") + s_[p_] + "'"; }
  Value ParseNumber() {
    size_t b = p_;
    if (s_[p_] == '-') p_++;
    bool is_float = false;
    while (p_ < s_.size()) {
      char c = s_[p_];
      if (std::isdigit(static_cast<unsigned char>(c))) p_++;
      else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { is_float = true; p_++; }
      else break;
    }
    std::string t = s_.substr(b, p_ - b);
    std::string digits = t[0] == '-' ? t.substr(1) : t;
    if (digits.empty() || (digits.size() > 1 && digits[0] == '0' && std::isdigit(static_cast<unsigned char>(digits[1]))))
      Err("invalid number: " + t);
    if (!is_float) {
      auto v = BigInt::Parse(digits, 10);
      if (!v) Err("invalid number: " + t);
      return MakeInt(t[0] == '-' ? -*v : *v);
    }
    char* end = nullptr;
    double d = std::strtod(t.c_str(), &end);
    if (!end || *end) Err("invalid number: " + t);
    return MakeFloat(d);
  }
  uint32_t Hex4() {
    if (p_ + 4 > s_.size()) Err("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
      char h = s_[p_++];
      if (!std::isxdigit(static_cast<unsigned char>(h))) Err("invalid \\u escape");
      v = v * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : std::tolower(h) - 'a' + 10);
    }
    return v;
  }
  Value ParseString() {
    p_++;  // opening quote
    std::string out;
    while (true) {
      if (p_ >= s_.size()) Err("unclosed string literal");
      char c = s_[p_++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) Err("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (p_ >= s_.size()) Err("unexpected end of file in string");
      char e = s_[p_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t v = Hex4();
          if (v >= 0xD800 && v < 0xDC00 && s_.compare(p_, 2, "\\u") == 0) {
            p_ += 2;
            uint32_t lo = Hex4();
            if (lo >= 0xDC00 && lo < 0xE000) v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            else v = 0xFFFD;
          } else if (v >= 0xD800 && v < 0xE000) {
            v = 0xFFFD;
          }
          EncodeUtf8(out, v);
          break;
        }
        default: Err(std::string("invalid escape \\") + e);
      }
    }
    return MakeString(out);
  }
  const std::string& s_;
  size_t p_ = 0;
};

// Re-indents compact JSON text.
std::string Indent(const std::string& s, const std::string& prefix, const std::string& indent) {
  std::string out;
  int depth = 0;
  bool in_str = false;
  auto newline = [&](int d) {
    out += '\n';
    out += prefix;
    for (int i = 0; i < d; i++) out += indent;
  };
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (in_str) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) out += s[++i];
      else if (c == '"') in_str = false;
      continue;
    }
    switch (c) {
      case ' ': case '\t': case '\n': case '\r': break;
      case '"': in_str = true; out += c; break;
      case '{': case '[': {
        out += c;
        size_t j = i + 1;
        while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) j++;
        if (j < s.size() && (s[j] == '}' || s[j] == ']')) {
          out += s[j];
          i = j;
        } else {
          newline(++depth);
        }
        break;
      }
      case '}': case ']': newline(--depth); out += c; break;
      case ',': out += c; newline(depth); break;
      case ':': out += ": "; break;
      default: out += c;
    }
  }
  return out;
}

Value JEncode(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("encode", args, 1, 1, {&x});
  std::string out;
  std::vector<const Object*> path;
  try {
    Encode(out, x, path);
  } catch (Error& e) {
    Fail("json.encode: " + e.message());
  }
  return MakeString(out);
}

Value JDecode(Thread&, const Value&, Args& args) {
  Value x, dflt;
  for (auto& [k, v] : args.named)
    if (k == "x") Fail("decode: unexpected keyword argument x");  // x is positional-only
  Unpack("decode", args, {"x", "default?"}, {&x, &dflt});
  const std::string& s = WantString("decode", "x", x);
  if (!dflt) return Decoder(s).Run();
  try {
    return Decoder(s).Run();
  } catch (Error&) {
    return dflt;
  }
}

Value JIndent(Thread&, const Value&, Args& args) {
  Value x, prefix, indent;
  Unpack("indent", args, {"str", "prefix?", "indent?"}, {&x, &prefix, &indent});
  const std::string& s = WantString("indent", "str", x);
  Decoder(s).Run();  // validates
  return MakeString(Indent(s, prefix ? WantString("indent", "prefix", prefix) : "",
                           indent ? WantString("indent", "indent", indent) : "\t"));
}

Value JEncodeIndent(Thread&, const Value&, Args& args) {
  Value x, prefix, indent;
  if (args.positional.size() > 1)
    Fail("json.encode_indent: got " + std::to_string(args.positional.size()) + " arguments, want 1");
  Unpack("encode_indent", args, {"x", "prefix?", "indent?"}, {&x, &prefix, &indent});
  std::string out;
  std::vector<const Object*> path;
  try {
    Encode(out, x, path);
  } catch (Error& e) {
    Fail("json.encode_indent: " + e.message());
  }
  return MakeString(Indent(out, prefix ? WantString("encode_indent", "prefix", prefix) : "",
                           indent ? WantString("encode_indent", "indent", indent) : "\t"));
}

}  // namespace

Value JsonModule() {
  return MakeModule("json", {{"encode", MakeBuiltin("json.encode", JEncode)},
                             {"decode", MakeBuiltin("json.decode", JDecode)},
                             {"indent", MakeBuiltin("json.indent", JIndent)},
                             {"encode_indent", MakeBuiltin("json.encode_indent", JEncodeIndent)}});
}

}  // namespace tinyrange::starlark
