// String formatting: the % operator and str.format.
#include <cmath>
#include <cstring>

#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {
namespace {

void AppendCodepoint(std::string& out, int64_t c) {
  if (c < 0 || c > 0x10FFFF) Fail("%c format requires a valid Unicode code point, got " + std::to_string(c));
  uint32_t u = static_cast<uint32_t>(c);
  if (u >= 0xD800 && u < 0xE000) u = 0xFFFD;  // surrogates cannot be encoded
  if (u < 0x80) {
    out.push_back(static_cast<char>(u));
  } else if (u < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (u >> 6)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  } else if (u < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (u >> 12)));
    out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (u >> 18)));
    out.push_back(static_cast<char>(0x80 | ((u >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  }
}

std::string FormatFixed(char verb, double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "+inf" : "-inf";
  char buf[512];
  switch (verb) {
    case 'e': std::snprintf(buf, sizeof buf, "%.6e", d); break;
    case 'E': std::snprintf(buf, sizeof buf, "%.6E", d); break;
    case 'F': std::snprintf(buf, sizeof buf, "%.6F", d); break;
    default: std::snprintf(buf, sizeof buf, "%.6f", d); break;
  }
  return buf;
}

}  // namespace

std::string Percent(const std::string& fmt, const Value& args) {
  std::vector<Value> list;
  bool is_tuple = args->kind() == Kind::kTuple;
  if (is_tuple) list = As<TupleObj>(args).elems;
  else list.push_back(args);
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); i++) {
    char c = fmt[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (++i >= fmt.size()) Fail("incomplete format");
    Value arg;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string::npos) Fail("incomplete format key");
      std::string key = fmt.substr(i + 1, close - i - 1);
      if (args->kind() != Kind::kDict) Fail("format requires a mapping");
      arg = As<DictObj>(args).table.Get(MakeString(key));
      if (!arg) Fail("key " + key + " not in dict");
      i = close + 1;
      if (i >= fmt.size()) Fail("incomplete format");
    }
    char verb = fmt[i];
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (!arg) {
      if (next >= list.size()) Fail("not enough arguments for format string");
      arg = list[next++];
    }
    switch (verb) {
      case 's': out += Str(arg); break;
      case 'r': out += Repr(arg); break;
      case 'd': case 'i': case 'o': case 'x': case 'X': {
        BigInt v;
        if (arg->kind() == Kind::kInt) v = As<IntObj>(arg).value;
        else if (arg->kind() == Kind::kBool) Fail("cannot convert bool to int");
        else if (arg->kind() == Kind::kFloat) {
          double d = As<FloatObj>(arg).value;
          if (!std::isfinite(d)) Fail(std::string("cannot convert float ") + (std::isnan(d) ? "NaN" : "infinity") + " to integer");
          v = BigInt::FromDouble(d);
        } else {
          Fail(std::string("%") + verb + " format requires integer, not " + TypeName(arg));
        }
        std::string s = v.ToString(verb == 'o' ? 8 : (verb == 'x' || verb == 'X') ? 16 : 10);
        if (verb == 'X')
          for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        out += s;
        break;
      }
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
        double d;
        if (arg->kind() == Kind::kFloat) d = As<FloatObj>(arg).value;
        else if (arg->kind() == Kind::kInt) {
          auto x = As<IntObj>(arg).value.ToDouble();
          if (!x) Fail("int too large to convert to float");
          d = *x;
        } else {
          Fail(std::string("%") + verb + " format requires float, not " + TypeName(arg));
        }
        if (verb == 'g' || verb == 'G') {
          std::string s = FormatFloat(d);  // %g is str's format
          if (verb == 'G')
            for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          out += s;
        } else {
          std::string s = FormatFixed(verb, d);
          if (std::isinf(d) || std::isnan(d)) {
            if (verb == 'E' || verb == 'F')
              for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          }
          out += s;
        }
        break;
      }
      case 'c':
        if (arg->kind() == Kind::kInt) {
          AppendCodepoint(out, ToInt64(arg, "%c"));
        } else if (arg->kind() == Kind::kString) {
          const std::string& str = StrOf(arg);
          size_t k = 0;
          if (!str.empty()) DecodeUtf8(str, &k);
          if (str.empty() || k != str.size()) Fail("%c format requires a single-character string");
          out += str;
        } else {
          Fail("%c format requires int or single-character string: " + TypeName(arg));
        }
        break;
      default:
        Fail(std::string("unknown conversion %") + verb);
    }
  }
  if (next < list.size() && args->kind() != Kind::kDict) Fail("too many arguments for format string");
  return out;
}

std::string FormatMethod(const std::string& fmt, const Args& args) {
  std::string out;
  int auto_index = 0;
  bool manual = false, automatic = false;
  for (size_t i = 0; i < fmt.size(); i++) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out.push_back('}');
        i++;
        continue;
      }
      Fail("format: single '}' in format");
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      i++;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string::npos) Fail("format: unmatched '{' in format");
    std::string field = fmt.substr(i + 1, close - i - 1);
    if (field.find('{') != std::string::npos) Fail("format: nested replacement fields not supported");
    i = close;
    std::string conv;
    auto bang = field.find('!');
    auto colon = field.find(':');
    if (bang != std::string::npos && (colon == std::string::npos || bang < colon)) {
      std::string cv = field.substr(bang + 1, colon == std::string::npos ? std::string::npos : colon - bang - 1);
      if (cv != "r" && cv != "s") Fail("format: unknown conversion \"!" + cv + "\"");
    }
    if (colon != std::string::npos && (bang == std::string::npos || colon < bang)) {
      Fail("format spec features not supported in replacement fields: " + field);
    }
    if (bang != std::string::npos) {
      conv = field.substr(bang + 1);
      field = field.substr(0, bang);
      if (conv.find(':') != std::string::npos) Fail("format spec features not supported in replacement fields");
      if (conv != "r" && conv != "s") Fail("format: unknown conversion \"!" + conv + "\"");
    }
    Value arg;
    if (field.empty()) {
      if (manual) Fail("format: cannot switch from manual field specification to automatic field numbering");
      automatic = true;
      size_t idx = static_cast<size_t>(auto_index++);
      if (idx >= args.positional.size()) Fail("format: tuple index out of range");
      arg = args.positional[idx];
    } else if (field.find('.') != std::string::npos) {
      Fail("format: attribute syntax x.y is not supported in replacement fields");
    } else if (field.find('[') != std::string::npos) {
      Fail("format: element syntax a[i] is not supported in replacement fields");
    } else if (field.find_first_not_of("0123456789") == std::string::npos) {
      if (automatic) Fail("format: cannot switch from automatic field numbering to manual field specification");
      manual = true;
      size_t idx = field.size() > 18 ? SIZE_MAX : std::stoul(field);
      if (idx >= args.positional.size()) Fail("format: tuple index out of range");
      arg = args.positional[idx];
    } else {
      // Any other field is a keyword name, whatever its characters.
      for (auto& [k, v] : args.named)
        if (k == field) arg = v;
      if (!arg) Fail("format: keyword " + field + " not found");
    }
    out += conv == "r" ? Repr(arg) : Str(arg);
  }
  return out;
}

}  // namespace tinyrange::starlark
