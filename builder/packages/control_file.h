// Debian control-file syntax (deb822(5)): paragraphs of "Field: value"
// lines separated by blank lines, continuation lines starting with a space
// or tab. Packages indexes, Release files and .sources files all use it.
//
// The parser works on a string_view of the whole file and copies nothing:
// a Packages index is tens of megabytes, and most fields of most
// paragraphs are never looked at.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyrange::packages {

struct ControlField {
  std::string_view name;
  // The raw value: the first line's text after the colon (leading blanks
  // removed) and, for multi-line fields, the continuation lines with their
  // newlines.
  std::string_view value;
  uint32_t line = 0;  // 1-based line of the field name
};

struct ControlParagraph {
  std::vector<ControlField> fields;
  uint32_t line = 0;  // 1-based line where the paragraph starts

  // The field's value (names compare case-insensitively); nullopt if absent.
  std::optional<std::string_view> Get(std::string_view name) const;
  const ControlField* Find(std::string_view name) const;
};

struct ControlParseOptions {
  // .sources files allow '#' comment lines; Packages and Release do not.
  bool allow_comments = false;
};

// Calls `on_paragraph` for each paragraph in order; stops and returns false
// if it returns false. On a syntax error returns false with *error naming
// the line ("line 12: ...").
template <typename Fn>
bool ParseControlFile(std::string_view text, const ControlParseOptions& options, std::string* error, Fn&& on_paragraph);

// The same, collecting every paragraph.
std::optional<std::vector<ControlParagraph>> ParseControlParagraphs(std::string_view text,
                                                                     const ControlParseOptions& options,
                                                                     std::string* error);

// The lines of a multi-line value (e.g. a Release file's SHA256 list), each
// with surrounding blanks removed; empty lines dropped.
std::vector<std::string_view> ValueLines(std::string_view value);

// Splits a value on blanks (spaces, tabs, newlines).
std::vector<std::string_view> ValueWords(std::string_view value);

namespace detail {
// One step of the parser: reads the next paragraph starting at *pos.
// Returns 1 with *out filled, 0 at the end of the text, -1 on an error.
int NextParagraph(std::string_view text, size_t* pos, uint32_t* line, const ControlParseOptions& options,
                  ControlParagraph* out, std::string* error);
}  // namespace detail

template <typename Fn>
bool ParseControlFile(std::string_view text, const ControlParseOptions& options, std::string* error, Fn&& on_paragraph) {
  size_t pos = 0;
  uint32_t line = 1;
  ControlParagraph paragraph;
  for (;;) {
    int r = detail::NextParagraph(text, &pos, &line, options, &paragraph, error);
    if (r < 0) return false;
    if (r == 0) return true;
    if (!on_paragraph(paragraph)) return false;
  }
}

}  // namespace tinyrange::packages
