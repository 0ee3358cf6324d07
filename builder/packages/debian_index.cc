#include "builder/packages/debian_index.h"

#include <charconv>

#include "builder/packages/control_file.h"
#include "builder/packages/debian_relation.h"
#include "builder/packages/debian_version.h"

namespace tinyrange::packages {
namespace {

bool ParseNumber(std::string_view text, uint64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Relationship fields are stored on one line with single spaces, the form
// they have in the index once continuation lines are folded.
std::string Folded(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::optional<std::vector<PackageRecord>> ConvertDebianPackages(std::string_view text, const std::string& name,
                                                                const std::string& architecture, std::string* error) {
  std::vector<PackageRecord> records;
  std::string failure;
  std::string parse_error;
  bool ok = ParseControlFile(text, {}, &parse_error, [&](const ControlParagraph& p) {
    auto fail = [&](const std::string& package, const std::string& why) {
      failure = name + ":" + std::to_string(p.line) + ": package '" + package + "': " + why;
      return false;
    };
    auto package = p.Get("Package");
    if (!package || package->empty()) {
      failure = name + ":" + std::to_string(p.line) + ": a paragraph without a Package field";
      return false;
    }
    std::string pkg(*package);
    auto arch = p.Get("Architecture");
    if (!arch) return fail(pkg, "no Architecture field");
    if (*arch != architecture && *arch != "all") return true;
    PackageRecord r;
    r.name = pkg;
    r.architecture = std::string(*arch);
    auto version = p.Get("Version");
    if (!version) return fail(pkg, "no Version field");
    std::string version_error;
    if (!DebianVersion::Parse(*version, &version_error)) return fail(pkg, version_error);
    r.version = std::string(*version);
    struct Relation {
      const char* field;
      std::string* out;
    } relations[] = {{"Depends", &r.depends},     {"Pre-Depends", &r.pre_depends}, {"Provides", &r.provides},
                     {"Conflicts", &r.conflicts}, {"Breaks", &r.breaks}};
    for (const auto& rel : relations) {
      auto value = p.Get(rel.field);
      if (!value) continue;
      std::string relation_error;
      if (!ParseRelations(*value, &relation_error)) return fail(pkg, std::string(rel.field) + ": " + relation_error);
      *rel.out = Folded(*value);
    }
    if (auto m = p.Get("Multi-Arch")) r.multi_arch = std::string(*m);
    if (auto e = p.Get("Essential")) r.essential = *e == "yes";
    if (auto v = p.Get("Priority")) r.priority = std::string(*v);
    if (auto v = p.Get("Section")) r.section = std::string(*v);
    if (auto v = p.Get("Source")) r.source = std::string(*v);
    if (auto v = p.Get("Description")) r.description = std::string(v->substr(0, v->find('\n')));
    auto filename = p.Get("Filename");
    if (!filename || filename->empty()) return fail(pkg, "no Filename field");
    r.filename = std::string(*filename);
    auto size = p.Get("Size");
    if (!size || !ParseNumber(*size, &r.size)) return fail(pkg, "missing or invalid Size");
    if (auto installed = p.Get("Installed-Size")) {
      uint64_t kib = 0;
      if (!ParseNumber(*installed, &kib)) return fail(pkg, "invalid Installed-Size '" + std::string(*installed) + "'");
      r.installed_size = kib * 1024;
    }
    auto sha = p.Get("SHA256");
    if (!sha || !IsHex64(*sha)) return fail(pkg, "missing or invalid SHA256 (64 lower-case hex digits expected)");
    r.checksum = "sha256:" + std::string(*sha);
    records.push_back(std::move(r));
    return true;
  });
  if (!ok) {
    if (error) *error = failure.empty() ? name + ": " + parse_error : failure;
    return std::nullopt;
  }
  return records;
}

}  // namespace tinyrange::packages
