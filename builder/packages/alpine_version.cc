#include "builder/packages/alpine_version.h"

#include <cstdint>

namespace tinyrange::packages {
namespace {

// Token kinds in the order they may appear; a version's tokens never go
// back to an earlier kind (except DIGIT after DIGIT). The order also
// decides which version is newer when one runs out first.
enum Kind { kFirstDigits, kDigits, kLetter, kSuffix, kSuffixNumber, kHash, kRevision, kEnd, kInvalid };

// Suffix ranks: pre-releases below kNoSuffix, post-releases above it.
enum Suffix { kAlpha, kBeta, kPre, kRc, kNoSuffix, kCvs, kSvn, kGit, kHg, kP, kBadSuffix };

Suffix SuffixOf(std::string_view s) {
  static constexpr std::pair<std::string_view, Suffix> kNames[] = {{"alpha", kAlpha}, {"beta", kBeta}, {"pre", kPre},
                                                                   {"rc", kRc},       {"cvs", kCvs},   {"svn", kSvn},
                                                                   {"git", kGit},     {"hg", kHg},     {"p", kP}};
  for (const auto& [name, value] : kNames) {
    if (s == name) return value;
  }
  return kBadSuffix;
}

struct Token {
  Kind kind = kFirstDigits;
  Suffix suffix = kNoSuffix;
  uint64_t number = 0;
  std::string_view text;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Reads a run of digits into t (number saturates; the text keeps all).
void ReadDigits(Token& t, std::string_view& rest) {
  size_t n = 0;
  t.number = 0;
  while (n < rest.size() && IsDigit(rest[n])) {
    uint64_t d = static_cast<uint64_t>(rest[n] - '0');
    t.number = t.number > (UINT64_MAX - d) / 10 ? UINT64_MAX : t.number * 10 + d;
    ++n;
  }
  t.text = rest.substr(0, n);
  rest.remove_prefix(n);
  if (n == 0) t.kind = kInvalid;
}

// Advances t to the next token of `rest`, checking it may follow t.
void Next(Token& t, std::string_view& rest) {
  if (t.kind >= kEnd) return;
  if (rest.empty()) {
    t.kind = kEnd;
    return;
  }
  char c = rest[0];
  if (IsLower(c)) {
    if (t.kind > kDigits) {
      t.kind = kInvalid;
      return;
    }
    t.kind = kLetter;
    t.text = rest.substr(0, 1);
    rest.remove_prefix(1);
  } else if (c == '.' || IsDigit(c)) {
    if (c == '.') {
      if (t.kind > kDigits) {
        t.kind = kInvalid;
        return;
      }
      rest.remove_prefix(1);
    }
    if (t.kind == kFirstDigits || t.kind == kDigits) {
      t.kind = kDigits;
    } else if (t.kind == kSuffix) {
      t.kind = kSuffixNumber;
    } else {
      t.kind = kInvalid;
      return;
    }
    ReadDigits(t, rest);
  } else if (c == '_') {
    if (t.kind > kSuffixNumber) {
      t.kind = kInvalid;
      return;
    }
    rest.remove_prefix(1);
    size_t n = 0;
    while (n < rest.size() && IsLower(rest[n])) ++n;
    t.text = rest.substr(0, n);
    rest.remove_prefix(n);
    t.suffix = SuffixOf(t.text);
    t.kind = t.suffix == kBadSuffix ? kInvalid : kSuffix;
  } else if (c == '~') {
    if (t.kind >= kHash) {
      t.kind = kInvalid;
      return;
    }
    rest.remove_prefix(1);
    size_t n = 0;
    while (n < rest.size() && IsHex(rest[n])) ++n;
    t.text = rest.substr(0, n);
    rest.remove_prefix(n);
    t.kind = n == 0 ? kInvalid : kHash;
  } else if (c == '-') {
    if (t.kind >= kRevision || rest.size() < 2 || rest[1] != 'r') {
      t.kind = kInvalid;
      return;
    }
    rest.remove_prefix(2);
    t.kind = kRevision;
    ReadDigits(t, rest);
  } else {
    t.kind = kInvalid;
  }
}

Token First(std::string_view& rest) {
  Token t;
  t.kind = kFirstDigits;
  ReadDigits(t, rest);
  return t;
}

int Sign(int64_t v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

// Compares two tokens of the same kind.
int CompareTokens(const Token& a, const Token& b) {
  switch (a.kind) {
    case kDigits:
      // A leading zero makes the component a fraction-like string.
      if (a.text[0] == '0' || b.text[0] == '0') return Sign(a.text.compare(b.text));
      [[fallthrough]];
    case kFirstDigits:
    case kSuffixNumber:
    case kRevision:
      return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
    case kLetter:
      return Sign(static_cast<int>(a.text[0]) - static_cast<int>(b.text[0]));
    case kSuffix:
      return Sign(static_cast<int>(a.suffix) - static_cast<int>(b.suffix));
    default:
      return Sign(a.text.compare(b.text));
  }
}

// The shared walk: equal tokens are skipped; returns the first difference,
// or leaves the two differing/ending tokens in *ta and *tb.
int Walk(std::string_view a, std::string_view b, Token* ta, Token* tb) {
  *ta = First(a);
  *tb = First(b);
  while (ta->kind == tb->kind && ta->kind < kEnd) {
    if (int r = CompareTokens(*ta, *tb)) return r;
    Next(*ta, a);
    Next(*tb, b);
  }
  return 0;
}

int Tail(const Token& ta, const Token& tb) {
  if (ta.kind == tb.kind) return 0;
  // The version that goes on is newer, unless it goes on with a
  // pre-release suffix; past that the earlier token kind wins.
  if (ta.kind == kSuffix && ta.suffix < kNoSuffix) return -1;
  if (tb.kind == kSuffix && tb.suffix < kNoSuffix) return 1;
  return ta.kind > tb.kind ? -1 : 1;
}

}  // namespace

bool IsValidAlpineVersion(std::string_view version) {
  Token t = First(version);
  while (t.kind < kEnd) Next(t, version);
  return t.kind == kEnd;
}

int CompareAlpineVersions(std::string_view a, std::string_view b) {
  Token ta, tb;
  if (int r = Walk(a, b, &ta, &tb)) return r;
  return Tail(ta, tb);
}

bool AlpineVersionHasPrefix(std::string_view version, std::string_view prefix) {
  Token ta, tb;
  if (Walk(version, prefix, &ta, &tb) != 0) return false;
  return ta.kind == tb.kind || tb.kind == kEnd;
}

}  // namespace tinyrange::packages
