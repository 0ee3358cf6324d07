#include "builder/packages/alpine_atom.h"

#include "builder/packages/alpine_version.h"

namespace tinyrange::packages {

std::optional<AlpineAtom> ParseAlpineAtom(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<AlpineAtom> {
    if (error) *error = "bad dependency '" + std::string(text) + "': " + why;
    return std::nullopt;
  };
  AlpineAtom atom;
  std::string_view rest = text;
  if (!rest.empty() && rest[0] == '!') {
    atom.conflict = true;
    rest.remove_prefix(1);
  }
  size_t op = rest.find_first_of("<>=~");
  std::string_view name = rest.substr(0, op);
  if (size_t at = name.find('@'); at != std::string_view::npos) {
    atom.tag = std::string(name.substr(at + 1));
    name = name.substr(0, at);
    if (atom.tag.empty()) return fail("empty repository tag after '@'");
  }
  if (name.empty()) return fail("no package name");
  for (char c : name) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '!') return fail("invalid character in the name");
  }
  atom.name = std::string(name);
  if (op == std::string_view::npos) return atom;
  rest.remove_prefix(op);
  if (rest.substr(0, 2) == "><") {
    atom.checksum = true;
    atom.version = std::string(rest.substr(2));
    if (atom.version.empty()) return fail("no checksum after '><'");
    return atom;
  }
  size_t n = 0;
  for (; n < rest.size() && (rest[n] == '<' || rest[n] == '>' || rest[n] == '=' || rest[n] == '~'); ++n) {
    switch (rest[n]) {
      case '<':
        atom.less = true;
        break;
      case '>':
        atom.greater = true;
        break;
      case '=':
        atom.equal = true;
        break;
      default:
        atom.fuzzy = atom.equal = true;
        break;
    }
  }
  if (atom.less && atom.greater) return fail("both '<' and '>' in the operator");
  atom.version = std::string(rest.substr(n));
  if (atom.version.empty()) return fail("no version after the operator");
  if (!IsValidAlpineVersion(atom.version)) return fail("'" + atom.version + "' is not a valid version");
  return atom;
}

std::optional<std::vector<AlpineAtom>> ParseAlpineAtoms(std::string_view field, std::string* error) {
  std::vector<AlpineAtom> atoms;
  size_t i = 0;
  while (i < field.size()) {
    if (field[i] == ' ' || field[i] == '\t') {
      ++i;
      continue;
    }
    size_t end = field.find_first_of(" \t", i);
    if (end == std::string_view::npos) end = field.size();
    auto atom = ParseAlpineAtom(field.substr(i, end - i), error);
    if (!atom) return std::nullopt;
    atoms.push_back(std::move(*atom));
    i = end;
  }
  return atoms;
}

bool AlpineVersionMatches(std::string_view version, const AlpineAtom& atom) {
  if (!atom.versioned()) return true;  // also the checksum form
  int r =
      atom.fuzzy && AlpineVersionHasPrefix(version, atom.version) ? 0 : CompareAlpineVersions(version, atom.version);
  return (r < 0 && atom.less) || (r == 0 && atom.equal) || (r > 0 && atom.greater);
}

std::string AlpineAtomToString(const AlpineAtom& atom) {
  std::string s = atom.conflict ? "!" : "";
  s += atom.name;
  if (!atom.tag.empty()) s += "@" + atom.tag;
  if (atom.checksum) return s + "><" + atom.version;
  if (!atom.versioned()) return s;
  if (atom.greater) s += ">";
  if (atom.less) s += "<";
  if (atom.fuzzy) {
    s += "~";
  } else if (atom.equal) {
    s += "=";
  }
  return s + atom.version;
}

}  // namespace tinyrange::packages
