// Alpine dependency atoms, the words of APKINDEX D:, p:, i: fields and of
// `apk add` arguments: "[!]NAME[@TAG][OP VERSION]" with no spaces, where OP
// is one of < <= = >= > ~ (prefix match) >~ <~, or "><" followed by a
// package checksum. Names include the provider namespaces "so:", "cmd:"
// and "pc:" ("so:libc.musl-x86_64.so.1", "pc:zlib>=1.2").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyrange::packages {

struct AlpineAtom {
  std::string name;
  bool conflict = false;  // "!name": nothing by that name may be installed
  // Which comparison results are accepted; none set means any version.
  bool less = false, equal = false, greater = false;
  bool fuzzy = false;     // "~": equal means "has this prefix"
  bool checksum = false;  // "><Q1...": a specific build; matched by name only here
  std::string version;    // empty when any version is accepted
  std::string tag;        // "@edge" repository pin; kept, not enforced

  bool versioned() const { return less || equal || greater; }
};

// Parses one atom; errors say what is wrong with `text`.
std::optional<AlpineAtom> ParseAlpineAtom(std::string_view text, std::string* error);
// A space-separated list (a whole D:/p:/i: value).
std::optional<std::vector<AlpineAtom>> ParseAlpineAtoms(std::string_view field, std::string* error);

// Whether a package of version `version` satisfies the atom's version part
// (ignores name and `conflict`).
bool AlpineVersionMatches(std::string_view version, const AlpineAtom& atom);

// Back to the index spelling ("!name>=1.2").
std::string AlpineAtomToString(const AlpineAtom& atom);

}  // namespace tinyrange::packages
