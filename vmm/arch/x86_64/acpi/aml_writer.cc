#include "vmm/arch/x86_64/acpi/aml_writer.h"

#include <stdexcept>
#include <string>

namespace tinyrange::acpi::aml {

namespace {

// Opcodes and prefixes from the AML grammar.
constexpr uint8_t kZeroOp = 0x00;
constexpr uint8_t kOneOp = 0x01;
constexpr uint8_t kNameOp = 0x08;
constexpr uint8_t kBytePrefix = 0x0a;
constexpr uint8_t kWordPrefix = 0x0b;
constexpr uint8_t kDWordPrefix = 0x0c;
constexpr uint8_t kStringPrefix = 0x0d;
constexpr uint8_t kQWordPrefix = 0x0e;
constexpr uint8_t kScopeOp = 0x10;
constexpr uint8_t kBufferOp = 0x11;
constexpr uint8_t kPackageOp = 0x12;
constexpr uint8_t kMethodOp = 0x14;
constexpr uint8_t kDualNamePrefix = 0x2e;
constexpr uint8_t kMultiNamePrefix = 0x2f;
constexpr uint8_t kExtOpPrefix = 0x5b;
constexpr uint8_t kDeviceOp = 0x82;  // after kExtOpPrefix
constexpr uint8_t kRootChar = '\\';
constexpr uint8_t kParentPrefixChar = '^';
constexpr uint8_t kNullName = 0x00;
constexpr uint8_t kReturnOp = 0xa4;
constexpr uint8_t kOnesOp = 0xff;

void Append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

void AppendLe(Bytes& out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

Bytes Concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) Append(out, p);
  return out;
}

// Opcode, then PkgLength over everything that follows it.
Bytes Packaged(std::initializer_list<uint8_t> opcode, const Bytes& body) {
  Bytes out(opcode);
  Append(out, WithPkgLength(body));
  return out;
}

[[noreturn]] void BadName(std::string_view path, const std::string& why) {
  throw std::invalid_argument("invalid ACPI name \"" + std::string(path) + "\": " + why);
}

}  // namespace

Bytes PkgLength(size_t value) {
  if (value > kMaxPkgLength) {
    throw std::invalid_argument("AML package of " + std::to_string(value) + " bytes exceeds the PkgLength limit of " +
                                std::to_string(kMaxPkgLength));
  }
  // One byte holds 6 bits. Longer forms put the count of following bytes in
  // bits 7:6 of the lead byte and only 4 value bits beside it; the rest of
  // the value follows 8 bits per byte.
  if (value <= 0x3f) return {static_cast<uint8_t>(value)};
  int follow = value <= 0xfff ? 1 : value <= 0xfffff ? 2 : 3;
  Bytes out{static_cast<uint8_t>((follow << 6) | (value & 0x0f))};
  for (int i = 0; i < follow; ++i) out.push_back(static_cast<uint8_t>(value >> (4 + 8 * i)));
  return out;
}

Bytes WithPkgLength(const Bytes& body) {
  // The encoding counts its own bytes, so pick the smallest form whose
  // range covers the body plus that form's size.
  size_t encoding = 1;
  while (encoding < 4 && PkgLength(body.size() + encoding).size() != encoding) ++encoding;
  Bytes out = PkgLength(body.size() + encoding);
  if (out.size() != encoding) throw std::invalid_argument("AML package too large for a PkgLength");
  Append(out, body);
  return out;
}

Bytes NameSeg(std::string_view seg) {
  if (seg.empty() || seg.size() > 4) BadName(seg, "a NameSeg has 1 to 4 characters");
  Bytes out;
  for (size_t i = 0; i < seg.size(); ++i) {
    char c = seg[i];
    bool lead_ok = (c >= 'A' && c <= 'Z') || c == '_';
    bool ok = lead_ok || (i > 0 && c >= '0' && c <= '9');
    if (!ok) BadName(seg, "NameSegs use 'A'-'Z', '_' and (not first) '0'-'9'");
    out.push_back(static_cast<uint8_t>(c));
  }
  out.resize(4, '_');
  return out;
}

Bytes NameString(std::string_view path) {
  Bytes out;
  std::string_view rest = path;
  if (!rest.empty() && rest.front() == '\\') {
    out.push_back(kRootChar);
    rest.remove_prefix(1);
  } else {
    while (!rest.empty() && rest.front() == '^') {
      out.push_back(kParentPrefixChar);
      rest.remove_prefix(1);
    }
  }
  std::vector<Bytes> segs;
  while (!rest.empty()) {
    size_t dot = rest.find('.');
    std::string_view seg = rest.substr(0, dot);
    if (seg.empty()) BadName(path, "empty NameSeg");
    segs.push_back(NameSeg(seg));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
    if (rest.empty()) BadName(path, "trailing '.'");
  }
  if (segs.empty()) {
    if (out.empty()) BadName(path, "empty name");
    out.push_back(kNullName);  // "\" alone names the root
  } else if (segs.size() == 1) {
    Append(out, segs[0]);
  } else if (segs.size() == 2) {
    out.push_back(kDualNamePrefix);
    Append(out, Concat(segs));
  } else {
    if (segs.size() > 255) BadName(path, "more than 255 NameSegs");
    out.push_back(kMultiNamePrefix);
    out.push_back(static_cast<uint8_t>(segs.size()));
    Append(out, Concat(segs));
  }
  return out;
}

Bytes Integer(uint64_t value) {
  if (value == 0) return {kZeroOp};
  if (value == 1) return {kOneOp};
  Bytes out;
  if (value <= 0xff) {
    out.push_back(kBytePrefix);
    AppendLe(out, value, 1);
  } else if (value <= 0xffff) {
    out.push_back(kWordPrefix);
    AppendLe(out, value, 2);
  } else if (value <= 0xffffffff) {
    out.push_back(kDWordPrefix);
    AppendLe(out, value, 4);
  } else {
    out.push_back(kQWordPrefix);
    AppendLe(out, value, 8);
  }
  return out;
}

Bytes Ones() { return {kOnesOp}; }

Bytes String(std::string_view text) {
  Bytes out{kStringPrefix};
  for (char c : text) {
    auto b = static_cast<uint8_t>(c);
    if (b == 0 || b > 0x7f) throw std::invalid_argument("AML strings hold ASCII 0x01-0x7f only");
    out.push_back(b);
  }
  out.push_back(0);
  return out;
}

Bytes EisaId(std::string_view id) {
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  bool ok = id.size() == 7;
  for (size_t i = 0; ok && i < 7; ++i) ok = i < 3 ? (id[i] >= 'A' && id[i] <= 'Z') : is_hex(id[i]);
  if (!ok) {
    throw std::invalid_argument("invalid EISA ID \"" + std::string(id) + "\": want three letters and four hex digits");
  }
  auto hex = [](char c) -> uint32_t { return c <= '9' ? c - '0' : c - 'A' + 10; };
  auto letter = [](char c) -> uint32_t { return static_cast<uint32_t>(c - 0x40); };  // 'A' is 1
  // The ID is a big-endian 32-bit value: three 5-bit letters (one spare bit
  // on top), then four 4-bit digits. It is stored as a little-endian DWord,
  // so the bytes in memory come out in the big-endian order.
  uint32_t be = (letter(id[0]) << 26) | (letter(id[1]) << 21) | (letter(id[2]) << 16) | (hex(id[3]) << 12) |
                (hex(id[4]) << 8) | (hex(id[5]) << 4) | hex(id[6]);
  uint32_t stored = ((be >> 24) & 0xff) | ((be >> 8) & 0xff00) | ((be << 8) & 0xff0000) | (be << 24);
  Bytes out{kDWordPrefix};
  AppendLe(out, stored, 4);
  return out;
}

Bytes Buffer(const Bytes& data) {
  Bytes body = Integer(data.size());
  Append(body, data);
  return Packaged({kBufferOp}, body);
}

Bytes Package(const std::vector<Bytes>& elements) {
  if (elements.size() > 255) throw std::invalid_argument("an AML Package holds at most 255 elements");
  Bytes body{static_cast<uint8_t>(elements.size())};
  Append(body, Concat(elements));
  return Packaged({kPackageOp}, body);
}

Bytes Name(std::string_view path, const Bytes& object) {
  Bytes out{kNameOp};
  Append(out, NameString(path));
  Append(out, object);
  return out;
}

Bytes Scope(std::string_view path, const std::vector<Bytes>& terms) {
  Bytes body = NameString(path);
  Append(body, Concat(terms));
  return Packaged({kScopeOp}, body);
}

Bytes Device(std::string_view path, const std::vector<Bytes>& terms) {
  Bytes body = NameString(path);
  Append(body, Concat(terms));
  return Packaged({kExtOpPrefix, kDeviceOp}, body);
}

Bytes Method(std::string_view path, uint8_t arg_count, bool serialized, const std::vector<Bytes>& terms) {
  if (arg_count > 7) throw std::invalid_argument("an AML Method takes at most 7 arguments");
  Bytes body = NameString(path);
  body.push_back(static_cast<uint8_t>(arg_count | (serialized ? 0x08 : 0)));
  Append(body, Concat(terms));
  return Packaged({kMethodOp}, body);
}

Bytes Return(const Bytes& value) {
  Bytes out{kReturnOp};
  Append(out, value);
  return out;
}

}  // namespace tinyrange::acpi::aml
