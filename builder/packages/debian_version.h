// Debian package versions, [epoch:]upstream[-revision], ordered exactly as
// dpkg orders them (deb-version(7)): epochs numerically, then upstream and
// revision alternately by non-digit runs (letters before other characters,
// '~' before everything, even the end) and digit runs (numerically).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinyrange::packages {

struct DebianVersion {
  uint32_t epoch = 0;
  std::string upstream;
  std::string revision;  // "" when the version has none

  // Parses a version; on a malformed one returns nullopt and says why in
  // *error (dpkg's rules: a numeric epoch, non-empty parts, only
  // [A-Za-z0-9.+~] plus '-' and ':' in the upstream part).
  static std::optional<DebianVersion> Parse(std::string_view text, std::string* error);

  std::string ToString() const;
};

// <0, 0 or >0 as a sorts before, equal to or after b.
int CompareDebianVersions(const DebianVersion& a, const DebianVersion& b);

// Compares two version strings; a string that does not parse sorts before
// every valid version and equal to another invalid one (so a corrupt index
// entry never wins "highest version").
int CompareDebianVersionStrings(std::string_view a, std::string_view b);

}  // namespace tinyrange::packages
