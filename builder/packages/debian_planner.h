// The Debian planner: from requested packages to a consistent install set
// (one version per package name, every Depends/Pre-Depends group satisfied
// by a chosen package or a provider, no Conflicts/Breaks among the chosen)
// and an installation order.
//
// Search: goals (dependency groups) are satisfied in order; each open goal
// is a choice point over its candidates in apt's preference order (the
// alternatives in the order written; for each, real packages of that name
// from the highest version down, then packages that provide it). A dead
// end backtracks to the most recent choice with candidates left, so a
// consistent set is found whenever one exists within the search budget.
// When none exists, the explanation is the first dead end met on the
// preferred path: the chain of packages that led to it and why each
// candidate was refused.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builder/packages/package_index.h"

namespace tinyrange::packages {

enum class BaseSet {
  kNone,       // only what was asked for and its dependencies
  kEssential,  // plus every Essential: yes package
  kRequired,   // plus every Priority: required package (dpkg's base system)
};

struct PlanRequest {
  // "name", "name=VERSION" (exactly that version) or "name:any".
  std::vector<std::string> packages;
  BaseSet base = BaseSet::kNone;
  std::string architecture = "amd64";
  // Candidates tried before the search gives up (it says so).
  uint64_t step_budget = 2'000'000;
};

struct PlannedPackage {
  PackageId id;
  // Why it is in the plan: "requested", "essential", "required", or the
  // package whose dependency it satisfies ("libc6 <- gcc-12 <- gcc").
  std::string reason;
};

struct Plan {
  // The install set in installation order: each package after those it
  // depends on, Pre-Depends strictly; dependency cycles broken by name.
  std::vector<PlannedPackage> packages;
  // One line per dependency cycle that had to be broken.
  std::vector<std::string> cycles;
};

// Plans `request` over `index` (a Debian index). Returns nullopt with a
// human explanation in *explanation when the request is unknown or cannot
// be satisfied.
std::optional<Plan> PlanDebian(const PackageIndex& index, const PlanRequest& request, std::string* explanation);

}  // namespace tinyrange::packages
