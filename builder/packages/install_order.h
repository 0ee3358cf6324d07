// Installation order for a chosen set of packages, shared by the planners:
// each package after the packages it depends on. Dependency cycles are
// strongly connected components (Tarjan); inside one, "strict" edges
// (Debian's Pre-Depends) are still honoured, and otherwise members go in
// index order, which callers make name order, so the result is the same
// from run to run.
#pragma once

#include <cstddef>
#include <vector>

namespace tinyrange::packages {

struct OrderEdge {
  size_t to;           // the package depended on
  bool strict = false;  // must come first even inside a cycle
};

struct InstallOrder {
  std::vector<size_t> order;                // every node once, in install order
  std::vector<std::vector<size_t>> cycles;  // each cycle's members in the order given
};

// `edges[n]` are node n's dependencies; nodes are 0..edges.size()-1.
InstallOrder OrderForInstall(const std::vector<std::vector<OrderEdge>>& edges);

}  // namespace tinyrange::packages
