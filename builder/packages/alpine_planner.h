// The Alpine planner: from requested atoms to a consistent install set
// with apk's semantics, and an installation order.
//
// - One version per package name. A dependency atom is satisfied by a
//   chosen package of that name whose version matches, or by a chosen
//   package providing the name ("so:", "cmd:", "pc:" names, or plain
//   names): a versioned provide ("name=1.2") satisfies versioned and
//   unversioned atoms by its version; an unversioned provide only
//   unversioned atoms.
// - "!name[op version]" in depends: no chosen package (other than the one
//   that says it) may be named so, or provide it, at a matching version.
// - install_if: a package whose install_if atoms are all satisfied by the
//   chosen set is added too, repeatedly until nothing more is added. Such
//   an addition is optional: if it cannot be installed, it is left out.
//
// Search is the Debian planner's: goals are satisfied in order; each open
// goal is a choice point over its candidates in preference order (real
// packages of the name from the highest version down, earlier repository
// first among equals; then providers by provider priority k:, name,
// highest version); a dead end backtracks to the latest choice with
// candidates left. The explanation of a failure is the first dead end on
// the preferred path, with the chain of packages that led to it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builder/packages/debian_planner.h"  // Plan, PlannedPackage
#include "builder/packages/package_index.h"

namespace tinyrange::packages {

struct AlpinePlanRequest {
  // Atoms as `apk add` takes them: "name", "name=VERSION", "name>=1.2",
  // "name~1.2", "so:libz.so.1", "cmd:sh"; "!name" forbids a package.
  std::vector<std::string> packages;
  std::string architecture = "x86_64";
  // Candidates tried before the search gives up (it says so).
  uint64_t step_budget = 2'000'000;
};

// Plans `request` over `index` (an Alpine index). Plan::packages is in
// installation order: each package after the packages satisfying its
// depends, install_if packages after their triggers; cycles broken by
// name and listed in Plan::cycles. Reasons are "requested", a chain
// ("so:libc.musl-x86_64.so.1 <- busybox 1.36.1-r2 <- requested"), or
// "install_if ..." with what triggered it. Returns nullopt with a human
// explanation when the request is unknown or cannot be satisfied.
std::optional<Plan> PlanAlpine(const PackageIndex& index, const AlpinePlanRequest& request, std::string* explanation);

}  // namespace tinyrange::packages
