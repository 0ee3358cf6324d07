#include "builder/install/deb_control.h"

#include <array>
#include <cctype>
#include <string_view>

#include "builder/install/package_contents.h"

namespace tinyrange::install {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view TrimView(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// dpkg's field table order (lib/dpkg/parse.c): the order it writes the
// fields it knows, with their canonical spelling.
constexpr std::array<std::string_view, 31> kDpkgFieldOrder = {
    "Package",  "Essential",      "Protected",   "Status",       "Priority",   "Section",     "Installed-Size",
    "Origin",   "Maintainer",     "Bugs",        "Architecture", "Multi-Arch", "Source",      "Version",
    "Revision", "Config-Version", "Replaces",    "Provides",     "Depends",    "Pre-Depends", "Recommends",
    "Suggests", "Breaks",         "Conflicts",   "Enhances",     "Conffiles",  "Filename",    "Size",
    "MD5sum",   "MSDOS-Filename", "Description",
};

// Known fields that have no place in the status file of an installed
// package (the ones this code writes itself are among them).
bool Dropped(std::string_view canonical) {
  return canonical == "Status" || canonical == "Config-Version" || canonical == "Revision" ||
         canonical == "Conffiles" || canonical == "Filename" || canonical == "Size" || canonical == "MD5sum" ||
         canonical == "MSDOS-Filename";
}

int KnownIndex(std::string_view name) {
  for (size_t i = 0; i < kDpkgFieldOrder.size(); ++i) {
    if (EqualsIgnoreCase(name, kDpkgFieldOrder[i])) return static_cast<int>(i);
  }
  return -1;
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += ':';
  // A value that starts on the next line (Conffiles) has no space after the colon.
  if (!value.empty() && value.front() != '\n') out += ' ';
  out.append(value);
  out += '\n';
}

}  // namespace

bool ParseControlStanza(const std::string& text, std::vector<ControlField>* fields, std::string* error) {
  fields->clear();
  size_t start = 0;
  size_t line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line = std::string_view(text).substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimView(line).empty()) {
      if (fields->empty()) continue;  // blank lines before the paragraph
      break;                          // the end of the first paragraph
    }
    if (line.front() == '#') continue;
    if (line.front() == ' ' || line.front() == '\t') {
      if (fields->empty()) {
        *error = "line " + std::to_string(line_number) + " continues a field but no field came before it";
        return false;
      }
      fields->back().value += '\n';
      fields->back().value.append(line);
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      *error = "line " + std::to_string(line_number) + " is not a \"Field: value\" line";
      return false;
    }
    fields->push_back({std::string(line.substr(0, colon)), std::string(TrimView(line.substr(colon + 1)))});
  }
  // Values keep their continuation lines but lose trailing blanks.
  for (ControlField& field : *fields) field.value = std::string(TrimView(field.value));
  return true;
}

std::string FieldValue(const std::vector<ControlField>& fields, const std::string& name) {
  for (const ControlField& field : fields) {
    if (EqualsIgnoreCase(field.name, name)) return field.value;
  }
  return "";
}

std::string StatusStanza(const std::vector<ControlField>& fields, const std::string& conffiles) {
  std::string out;
  for (size_t i = 0; i < kDpkgFieldOrder.size(); ++i) {
    std::string_view canonical = kDpkgFieldOrder[i];
    if (canonical == "Status") {
      AppendField(out, canonical, "install ok installed");
      continue;
    }
    if (canonical == "Conffiles") {
      if (!conffiles.empty()) AppendField(out, canonical, "\n" + conffiles);
      continue;
    }
    if (Dropped(canonical)) continue;
    for (const ControlField& field : fields) {
      if (!EqualsIgnoreCase(field.name, canonical)) continue;
      // dpkg writes Essential (and Protected) only when "yes".
      if ((canonical == "Essential" || canonical == "Protected") && !EqualsIgnoreCase(field.value, "yes")) break;
      AppendField(out, canonical, field.value);
      break;
    }
  }
  for (const ControlField& field : fields) {
    if (KnownIndex(field.name) < 0) AppendField(out, field.name, field.value);
  }
  out += '\n';
  return out;
}

bool ParseDebTriggers(const std::string& text, DebTriggers* triggers, std::string* error) {
  for (const std::string& line : ControlLines(text)) {
    size_t space = line.find_first_of(" \t");
    std::string directive = line.substr(0, space);
    std::string name = space == std::string::npos ? "" : std::string(TrimView(std::string_view(line).substr(space)));
    if (name.empty() || name.find_first_of(" \t") != std::string::npos) {
      *error = "\"" + line + "\" is not \"DIRECTIVE TRIGGER-NAME\"";
      return false;
    }
    if (directive == "interest" || directive == "interest-await" || directive == "interest-noawait") {
      triggers->interests.push_back(name);
    } else if (directive == "activate" || directive == "activate-await" || directive == "activate-noawait") {
      triggers->activations.push_back(name);
    } else {
      *error = "unknown directive \"" + directive + "\"";
      return false;
    }
  }
  return true;
}

std::map<std::string, std::string> ParseMd5sums(const std::string& text) {
  std::map<std::string, std::string> sums;
  for (const std::string& line : ControlLines(text)) {
    // "HEX  path" (two spaces; md5sum's binary marker '*' is possible too).
    size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string path(TrimView(std::string_view(line).substr(space)));
    if (path.starts_with('*')) path.erase(0, 1);
    if (path.starts_with("./")) path.erase(0, 2);
    while (path.starts_with('/')) path.erase(0, 1);
    sums.emplace(path, line.substr(0, space));
  }
  return sums;
}

std::vector<Conffile> ParseConffiles(const std::string& text) {
  std::vector<Conffile> conffiles;
  for (const std::string& line : ControlLines(text)) {
    Conffile conffile;
    std::string_view rest = line;
    // Flags come before the path, which starts with '/'.
    while (!rest.empty() && rest.front() != '/') {
      size_t space = rest.find(' ');
      if (space == std::string_view::npos) break;
      conffile.flags.emplace_back(rest.substr(0, space));
      rest = TrimView(rest.substr(space));
    }
    conffile.path = std::string(rest);
    conffiles.push_back(std::move(conffile));
  }
  return conffiles;
}

}  // namespace tinyrange::install
