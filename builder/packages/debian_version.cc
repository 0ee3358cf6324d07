#include "builder/packages/debian_version.h"

#include <limits>

namespace tinyrange::packages {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The weight of one character in a non-digit run; 0 stands for "the run
// ended" (end of string or the start of digits).
int Weight(std::string_view s, size_t i) {
  if (i >= s.size() || IsDigit(s[i])) return 0;
  char c = s[i];
  if (IsAlpha(c)) return static_cast<unsigned char>(c);
  if (c == '~') return -1;
  return static_cast<unsigned char>(c) + 256;
}

// dpkg's comparison of one upstream or revision part.
int ComparePart(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      int wa = Weight(a, i), wb = Weight(b, j);
      if (wa != wb) return wa - wb;
      ++i;
      ++j;
    }
    while (i < a.size() && a[i] == '0') ++i;
    while (j < b.size() && b[j] == '0') ++j;
    int first_difference = 0;
    while (i < a.size() && IsDigit(a[i]) && j < b.size() && IsDigit(b[j])) {
      if (first_difference == 0) first_difference = a[i] - b[j];
      ++i;
      ++j;
    }
    // A longer digit run (without leading zeros) is the larger number.
    if (i < a.size() && IsDigit(a[i])) return 1;
    if (j < b.size() && IsDigit(b[j])) return -1;
    if (first_difference != 0) return first_difference;
  }
  return 0;
}

// The upstream part may hold '-' and ':' (the separators were the last '-'
// and the first ':'); the revision may not.
bool ValidPart(std::string_view s, bool upstream) {
  for (char c : s) {
    if (IsDigit(c) || IsAlpha(c) || c == '.' || c == '+' || c == '~') continue;
    if (upstream && (c == '-' || c == ':')) continue;
    return false;
  }
  return true;
}

}  // namespace

std::optional<DebianVersion> DebianVersion::Parse(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<DebianVersion> {
    if (error) *error = "version '" + std::string(text) + "': " + why;
    return std::nullopt;
  };
  // Surrounding blanks are tolerated, as dpkg does; blanks inside are not.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return fail("is empty");
  DebianVersion v;
  std::string_view rest = text;
  if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    std::string_view epoch = rest.substr(0, colon);
    if (epoch.empty()) return fail("the epoch before ':' is empty");
    uint64_t value = 0;
    for (char c : epoch) {
      if (!IsDigit(c)) return fail("the epoch is not a number");
      value = value * 10 + static_cast<uint64_t>(c - '0');
      if (value > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) return fail("the epoch is too big");
    }
    v.epoch = static_cast<uint32_t>(value);
    rest = rest.substr(colon + 1);
  }
  if (size_t hyphen = rest.rfind('-'); hyphen != std::string_view::npos) {
    v.revision = std::string(rest.substr(hyphen + 1));
    rest = rest.substr(0, hyphen);
    if (v.revision.empty()) return fail("the revision after '-' is empty");
  }
  if (rest.empty()) return fail("the upstream version is empty");
  // dpkg only warns about an upstream part not starting with a digit; so
  // do we, by accepting it.
  if (!ValidPart(rest, true)) return fail("the upstream version has an invalid character");
  if (!ValidPart(v.revision, false)) return fail("the revision has an invalid character");
  v.upstream = std::string(rest);
  return v;
}

std::string DebianVersion::ToString() const {
  std::string s;
  if (epoch != 0) s = std::to_string(epoch) + ":";
  s += upstream;
  if (!revision.empty()) s += "-" + revision;
  return s;
}

int CompareDebianVersions(const DebianVersion& a, const DebianVersion& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (int c = ComparePart(a.upstream, b.upstream); c != 0) return c;
  return ComparePart(a.revision, b.revision);
}

int CompareDebianVersionStrings(std::string_view a, std::string_view b) {
  auto va = DebianVersion::Parse(a, nullptr);
  auto vb = DebianVersion::Parse(b, nullptr);
  if (!va || !vb) return (va ? 1 : 0) - (vb ? 1 : 0);
  return CompareDebianVersions(*va, *vb);
}

}  // namespace tinyrange::packages
