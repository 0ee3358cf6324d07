// Debian relationship fields (deb-control(5), Depends/Pre-Depends/
// Conflicts/Breaks/Provides...): comma-separated groups of '|'-separated
// alternatives, each "name[:archqual] [(op version)] [[arch ...]] [<profile ...>]".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyrange::packages {

enum class VersionOp { kAny, kLess, kLessEqual, kEqual, kGreaterEqual, kGreater };

struct DebianRelation {
  std::string name;
  std::string arch_qualifier;  // "any", "native", an architecture, or ""
  VersionOp op = VersionOp::kAny;
  std::string version;  // empty when op is kAny
  // Architecture restrictions ("[amd64 !i386]"); only in source packages'
  // build fields, kept so callers can evaluate them.
  std::vector<std::string> architectures;
};

// One comma-separated group: any one alternative satisfies it.
using RelationGroup = std::vector<DebianRelation>;

// Parses a whole field. On an error returns nullopt and says where in
// *error. Build profiles ("<!nocheck>") are accepted and dropped: binary
// package indexes never carry them.
std::optional<std::vector<RelationGroup>> ParseRelations(std::string_view field, std::string* error);

// "<<", "<=", "=", ">=", ">>" (and the obsolete "<" / ">" meaning <= / >=,
// which dpkg still reads).
std::optional<VersionOp> ParseVersionOp(std::string_view text);
const char* VersionOpSpelling(VersionOp op);

// Whether `version` satisfies `op reference`.
bool VersionSatisfies(std::string_view version, VersionOp op, std::string_view reference);

std::string RelationToString(const DebianRelation& relation);

}  // namespace tinyrange::packages
