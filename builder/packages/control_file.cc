#include "builder/packages/control_file.h"

namespace tinyrange::packages {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (IsBlank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The line starting at `pos` (without its newline) and where the next begins.
std::string_view LineAt(std::string_view text, size_t pos, size_t* next) {
  size_t end = text.find('\n', pos);
  if (end == std::string_view::npos) end = text.size();
  *next = end < text.size() ? end + 1 : end;
  return text.substr(pos, end - pos);
}

}  // namespace

const ControlField* ControlParagraph::Find(std::string_view name) const {
  for (const auto& f : fields) {
    if (EqualsIgnoringCase(f.name, name)) return &f;
  }
  return nullptr;
}

std::optional<std::string_view> ControlParagraph::Get(std::string_view name) const {
  const ControlField* f = Find(name);
  if (!f) return std::nullopt;
  return f->value;
}

namespace detail {

int NextParagraph(std::string_view text, size_t* pos, uint32_t* line, const ControlParseOptions& options,
                  ControlParagraph* out, std::string* error) {
  auto fail = [&](uint32_t at, const std::string& why) {
    if (error) *error = "line " + std::to_string(at) + ": " + why;
    return -1;
  };
  out->fields.clear();
  out->line = 0;
  while (*pos < text.size()) {
    size_t next;
    std::string_view l = LineAt(text, *pos, &next);
    uint32_t this_line = *line;
    if (options.allow_comments && !l.empty() && l[0] == '#') {
      *pos = next;
      ++*line;
      continue;
    }
    if (TrimBlanks(l).empty()) {
      *pos = next;
      ++*line;
      if (!out->fields.empty()) return 1;  // a blank line ends the paragraph
      continue;
    }
    if (IsBlank(l[0])) {
      if (out->fields.empty()) return fail(this_line, "a continuation line outside a field");
      // Extend the value up to the end of this line (values are views into
      // the text, so a continued value is one contiguous range).
      ControlField& f = out->fields.back();
      const char* begin = f.value.empty() ? text.data() + *pos : f.value.data();
      const char* end = text.data() + *pos + l.size();
      f.value = std::string_view(begin, static_cast<size_t>(end - begin));
      *pos = next;
      ++*line;
      continue;
    }
    size_t colon = l.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fail(this_line, "expected 'Field: value', found '" + std::string(l.substr(0, 60)) + "'");
    }
    ControlField f;
    f.name = l.substr(0, colon);
    for (char c : f.name) {
      if (c <= ' ' || c > '~') return fail(this_line, "invalid character in field name '" + std::string(f.name) + "'");
    }
    if (f.name[0] == '#' || f.name[0] == '-') {
      return fail(this_line, "a field name may not start with '" + std::string(1, f.name[0]) + "'");
    }
    if (out->Find(f.name)) return fail(this_line, "field '" + std::string(f.name) + "' appears twice in one paragraph");
    f.value = TrimBlanks(l.substr(colon + 1));
    f.line = this_line;
    if (out->fields.empty()) out->line = this_line;
    out->fields.push_back(f);
    *pos = next;
    ++*line;
  }
  return out->fields.empty() ? 0 : 1;
}

}  // namespace detail

std::optional<std::vector<ControlParagraph>> ParseControlParagraphs(std::string_view text,
                                                                     const ControlParseOptions& options,
                                                                     std::string* error) {
  std::vector<ControlParagraph> paragraphs;
  bool ok = ParseControlFile(text, options, error, [&](const ControlParagraph& p) {
    paragraphs.push_back(p);
    return true;
  });
  if (!ok) return std::nullopt;
  return paragraphs;
}

std::vector<std::string_view> ValueLines(std::string_view value) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t end = value.find('\n', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view l = TrimBlanks(value.substr(pos, end - pos));
    if (!l.empty()) lines.push_back(l);
    pos = end + 1;
  }
  return lines;
}

std::vector<std::string_view> ValueWords(std::string_view value) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (IsBlank(value[i]) || value[i] == '\n' || value[i] == '\r')) ++i;
    size_t start = i;
    while (i < value.size() && !(IsBlank(value[i]) || value[i] == '\n' || value[i] == '\r')) ++i;
    if (i > start) words.push_back(value.substr(start, i - start));
  }
  return words;
}

}  // namespace tinyrange::packages
