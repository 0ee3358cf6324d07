#include "builder/packages/install_order.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

namespace tinyrange::packages {
namespace {

// Tarjan's strongly connected components, iteratively (no recursion depth
// limit on long dependency chains). A component is complete only after
// everything it depends on, so the order found is install order.
std::vector<std::vector<size_t>> Components(const std::vector<std::vector<OrderEdge>>& edges) {
  size_t n = edges.size();
  std::vector<int> low(n), num(n, -1);
  std::vector<bool> on_stack(n, false);
  std::vector<size_t> stack;
  std::vector<std::vector<size_t>> components;
  int counter = 0;
  for (size_t root = 0; root < n; ++root) {
    if (num[root] >= 0) continue;
    std::vector<std::pair<size_t, size_t>> work{{root, 0}};
    while (!work.empty()) {
      auto& [v, e] = work.back();
      if (e == 0 && num[v] < 0) {
        num[v] = low[v] = counter++;
        stack.push_back(v);
        on_stack[v] = true;
      }
      if (e < edges[v].size()) {
        size_t w = edges[v][e++].to;
        if (num[w] < 0) {
          work.push_back({w, 0});
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], num[w]);
        }
        continue;
      }
      if (low[v] == num[v]) {
        std::vector<size_t> component;
        size_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          component.push_back(w);
        } while (w != v);
        components.push_back(std::move(component));
      }
      size_t finished = v;
      work.pop_back();
      if (!work.empty()) low[work.back().first] = std::min(low[work.back().first], low[finished]);
    }
  }
  return components;
}

// A cycle's members: repeatedly the first (by index) whose strict
// dependencies inside the cycle are placed; if none is (a cycle of strict
// edges), the first by index.
std::vector<size_t> OrderCycle(std::vector<size_t> members, const std::vector<std::vector<OrderEdge>>& edges) {
  std::sort(members.begin(), members.end());
  std::set<size_t> inside(members.begin(), members.end()), placed;
  std::vector<size_t> ordered;
  while (ordered.size() < members.size()) {
    size_t pick = SIZE_MAX;
    for (size_t m : members) {
      if (placed.count(m)) continue;
      bool ready = std::none_of(edges[m].begin(), edges[m].end(), [&](const OrderEdge& e) {
        return e.strict && inside.count(e.to) && !placed.count(e.to) && e.to != m;
      });
      if (ready) {
        pick = m;
        break;
      }
    }
    if (pick == SIZE_MAX) {
      for (size_t m : members) {
        if (!placed.count(m)) {
          pick = m;
          break;
        }
      }
    }
    placed.insert(pick);
    ordered.push_back(pick);
  }
  return ordered;
}

}  // namespace

InstallOrder OrderForInstall(const std::vector<std::vector<OrderEdge>>& edges) {
  InstallOrder result;
  for (auto& component : Components(edges)) {
    if (component.size() == 1) {
      result.order.push_back(component[0]);
      continue;
    }
    std::vector<size_t> ordered = OrderCycle(std::move(component), edges);
    result.order.insert(result.order.end(), ordered.begin(), ordered.end());
    result.cycles.push_back(std::move(ordered));
  }
  return result;
}

}  // namespace tinyrange::packages
