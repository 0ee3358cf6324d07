#include "builder/packages/alpine_index.h"

#include <charconv>

#include "builder/packages/alpine_atom.h"
#include "builder/packages/alpine_version.h"

namespace tinyrange::packages {
namespace {

bool ParseNumber(std::string_view text, uint64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool IsBase64(std::string_view s) {
  for (char c : s) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  return true;
}

// One block as it is read: the record, where it started, and which of the
// required fields were seen.
struct Block {
  PackageRecord record;
  size_t line = 0;
  bool has_checksum = false, has_name = false, has_version = false, has_arch = false, has_size = false;
};

}  // namespace

std::optional<std::vector<PackageRecord>> ConvertApkIndex(std::string_view text, const std::string& name,
                                                          const std::string& architecture, std::string* error) {
  std::vector<PackageRecord> records;
  auto fail_at = [&](size_t line, const std::string& package, const std::string& why) {
    if (error) {
      *error = name + ":" + std::to_string(line) + ": " + (package.empty() ? "" : "package '" + package + "': ") + why;
    }
    return std::nullopt;
  };
  if (!text.empty() && text.back() != '\n') {
    size_t lines = 1;
    for (char c : text) lines += c == '\n';
    return fail_at(lines, "", "truncated: the last line has no newline");
  }
  std::optional<Block> block;
  // Checks a finished block and keeps its record.
  auto finish = [&]() -> bool {
    if (!block) return true;
    Block& b = *block;
    const std::string& pkg = b.record.name;
    const char* missing = !b.has_name       ? "P (name)"
                          : !b.has_version  ? "V (version)"
                          : !b.has_arch     ? "A (architecture)"
                          : !b.has_size     ? "S (size)"
                          : !b.has_checksum ? "C (checksum)"
                                            : nullptr;
    if (missing) {
      fail_at(b.line, pkg, std::string("the entry has no ") + missing + " field");
      return false;
    }
    b.record.filename = b.record.name + "-" + b.record.version + ".apk";
    if (b.record.architecture == architecture || b.record.architecture == "noarch") {
      records.push_back(std::move(b.record));
    }
    block.reset();
    return true;
  };
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (!finish()) return std::nullopt;
      continue;
    }
    if (!block) {
      block.emplace();
      block->line = line_no;
    }
    PackageRecord& r = block->record;
    if (line.size() < 2 || line[1] != ':') {
      return fail_at(line_no, r.name, "expected a 'K:value' line, got '" + std::string(line.substr(0, 40)) + "'");
    }
    char key = line[0];
    std::string_view value = line.substr(2);
    auto atoms_ok = [&](const char* field) -> bool {
      std::string why;
      if (ParseAlpineAtoms(value, &why)) return true;
      fail_at(line_no, r.name, std::string(field) + ": " + why);
      return false;
    };
    auto number = [&](uint64_t* out, const char* field) -> bool {
      if (ParseNumber(value, out)) return true;
      fail_at(line_no, r.name, std::string(field) + " is not a number: '" + std::string(value) + "'");
      return false;
    };
    switch (key) {
      case 'P':
        if (value.empty()) return fail_at(line_no, "", "empty package name");
        r.name = std::string(value);
        block->has_name = true;
        break;
      case 'V':
        if (!IsValidAlpineVersion(value)) {
          return fail_at(line_no, r.name, "'" + std::string(value) + "' is not a valid Alpine version");
        }
        r.version = std::string(value);
        block->has_version = true;
        break;
      case 'A':
        r.architecture = std::string(value);
        block->has_arch = !value.empty();
        break;
      case 'S':
        if (!number(&r.size, "S (size)")) return std::nullopt;
        block->has_size = true;
        break;
      case 'I':
        if (!number(&r.installed_size, "I (installed size)")) return std::nullopt;
        break;
      case 'C':
        // "Q1" marks a base64 SHA-1 (20 bytes, 28 characters).
        if (value.size() != 30 || value.substr(0, 2) != "Q1" || !IsBase64(value.substr(2))) {
          return fail_at(line_no, r.name, "C (checksum) is not 'Q1' and a base64 SHA-1: '" + std::string(value) + "'");
        }
        r.checksum = "sha1b64:" + std::string(value.substr(2));
        block->has_checksum = true;
        break;
      case 'T':
        r.description = std::string(value);
        break;
      case 'o':
        r.source = std::string(value);
        break;
      case 'D':
        if (!atoms_ok("D (depends)")) return std::nullopt;
        r.depends = std::string(value);
        break;
      case 'p':
        if (!atoms_ok("p (provides)")) return std::nullopt;
        r.provides = std::string(value);
        break;
      case 'i':
        if (!atoms_ok("i (install_if)")) return std::nullopt;
        r.install_if = std::string(value);
        break;
      case 'k': {
        uint64_t priority = 0;
        if (!number(&priority, "k (provider priority)")) return std::nullopt;
        r.priority = std::to_string(priority);
        break;
      }
      default:
        break;  // U, L, m, t, c, r, q, F, M, R, Z, ...: not needed to plan or fetch
    }
  }
  if (!finish()) return std::nullopt;
  return records;
}

}  // namespace tinyrange::packages
