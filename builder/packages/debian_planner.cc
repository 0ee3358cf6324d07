#include "builder/packages/debian_planner.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "builder/packages/debian_version.h"
#include "builder/packages/install_order.h"

namespace tinyrange::packages {
namespace {

constexpr PackageId kNoPackage = ~PackageId{0};
constexpr int32_t kNoGoal = -1;

// A package's relationship fields, parsed on first use.
struct Relations {
  std::vector<RelationGroup> pre_depends;
  std::vector<RelationGroup> depends;
  std::vector<DebianRelation> conflicts;  // Conflicts and Breaks alike: nothing is configured half-way here
  std::vector<std::pair<std::string, std::string>> provides;  // name, version ("" if unversioned)
};

struct Goal {
  RelationGroup group;
  PackageId from = kNoPackage;  // whose dependency this is; kNoPackage for the request
  std::string origin;           // "requested", "essential", "required" for top-level goals
  bool pre = false;
  // A requested name that is a real package must be installed under that
  // name, as apt does: another package providing it is not enough.
  bool exact = false;
};

struct ChoicePoint {
  size_t goal;
  std::vector<PackageId> candidates;
  size_t next = 0;
  size_t trail_mark;
  size_t agenda_size;
};

int PriorityRank(const std::string& priority) {
  if (priority == "required") return 0;
  if (priority == "important") return 1;
  if (priority == "standard") return 2;
  if (priority == "optional") return 3;
  return 4;
}

class Planner {
 public:
  Planner(const PackageIndex& index, const PlanRequest& request) : index_(index), request_(request) {}

  std::optional<Plan> Run(std::string* explanation);

 private:
  const Relations& RelationsOf(PackageId id);
  const PackageRecord& Rec(PackageId id) const { return index_.package(id).record; }
  std::string Describe(PackageId id) const { return Rec(id).name + " " + Rec(id).version; }

  bool ArchOk(PackageId id, const DebianRelation& r) const;
  bool Matches(PackageId id, const DebianRelation& r) const;
  bool ProviderMatches(const std::string& provided_version, const DebianRelation& r) const;
  PackageId SatisfiedBy(const RelationGroup& group, bool exact = false) const;
  std::vector<PackageId> Candidates(const RelationGroup& group) const;
  // Chooses `id` for goal `goal`; on refusal returns false with *why.
  bool Select(PackageId id, size_t goal, std::string* why);
  void UndoTo(size_t mark);
  std::string Chain(size_t goal) const;
  std::string GroupText(const RelationGroup& group) const;
  std::string NoCandidateReason(const RelationGroup& group) const;
  bool AddTopLevelGoals(std::string* explanation);
  Plan Order();

  const PackageIndex& index_;
  const PlanRequest& request_;
  std::unordered_map<PackageId, std::unique_ptr<Relations>> relations_;

  std::vector<Goal> agenda_;
  std::unordered_map<std::string, PackageId> chosen_by_name_;
  std::unordered_map<std::string, std::vector<std::pair<PackageId, std::string>>> chosen_providers_;
  std::unordered_map<std::string, std::vector<std::pair<PackageId, const DebianRelation*>>> chosen_conflicts_;
  std::unordered_map<PackageId, size_t> chosen_for_goal_;
  std::vector<PackageId> trail_;
  std::string first_dead_end_;
};

const Relations& Planner::RelationsOf(PackageId id) {
  auto& slot = relations_[id];
  if (slot) return *slot;
  slot = std::make_unique<Relations>();
  const PackageRecord& r = Rec(id);
  auto groups = [](const std::string& field) {
    auto parsed = ParseRelations(field, nullptr);  // validated when the record was made
    return parsed ? std::move(*parsed) : std::vector<RelationGroup>{};
  };
  slot->pre_depends = groups(r.pre_depends);
  slot->depends = groups(r.depends);
  for (const auto* field : {&r.conflicts, &r.breaks}) {
    for (auto& g : groups(*field)) {
      for (auto& rel : g) slot->conflicts.push_back(std::move(rel));
    }
  }
  for (auto& g : groups(r.provides)) {
    for (auto& rel : g) slot->provides.emplace_back(rel.name, rel.op == VersionOp::kEqual ? rel.version : "");
  }
  return *slot;
}

bool Planner::ArchOk(PackageId id, const DebianRelation& r) const {
  const PackageRecord& p = Rec(id);
  if (p.architecture != "all" && p.architecture != request_.architecture) return false;
  // "pkg:any" is satisfied only by a package that allows it (Multi-Arch:
  // allowed); "pkg:native" and an unqualified name by a native one.
  if (r.arch_qualifier == "any") return p.multi_arch == "allowed";
  if (r.arch_qualifier.empty() || r.arch_qualifier == "native" || r.arch_qualifier == request_.architecture) return true;
  return false;
}

bool Planner::Matches(PackageId id, const DebianRelation& r) const {
  const PackageRecord& p = Rec(id);
  return p.name == r.name && ArchOk(id, r) && VersionSatisfies(p.version, r.op, r.version);
}

bool Planner::ProviderMatches(const std::string& provided_version, const DebianRelation& r) const {
  // A versioned dependency is satisfied only by a versioned Provides whose
  // version satisfies it (Debian policy 7.5); ":any" needs a real package.
  if (r.arch_qualifier == "any") return false;
  if (r.op == VersionOp::kAny) return true;
  return !provided_version.empty() && VersionSatisfies(provided_version, r.op, r.version);
}

PackageId Planner::SatisfiedBy(const RelationGroup& group, bool exact) const {
  for (const auto& r : group) {
    if (auto it = chosen_by_name_.find(r.name); it != chosen_by_name_.end() && Matches(it->second, r)) return it->second;
    if (exact) continue;
    if (auto it = chosen_providers_.find(r.name); it != chosen_providers_.end()) {
      for (const auto& [id, version] : it->second) {
        if (ProviderMatches(version, r)) return id;
      }
    }
  }
  return kNoPackage;
}

std::vector<PackageId> Planner::Candidates(const RelationGroup& group) const {
  std::vector<PackageId> out;
  std::unordered_set<PackageId> seen;
  auto add = [&](PackageId id) {
    if (seen.insert(id).second) out.push_back(id);
  };
  for (const auto& r : group) {
    // Real packages of that name, highest version first; among equal
    // versions the earlier repository wins (stable sort keeps index order).
    std::vector<PackageId> real;
    for (PackageId id : index_.WithName(r.name)) {
      if (Matches(id, r)) real.push_back(id);
    }
    std::stable_sort(real.begin(), real.end(), [&](PackageId a, PackageId b) {
      return CompareDebianVersionStrings(Rec(a).version, Rec(b).version) > 0;
    });
    for (PackageId id : real) add(id);
    // Then providers: by priority (required first), name, highest version.
    std::vector<PackageId> providers;
    for (const auto& p : index_.ProvidersOf(r.name)) {
      const PackageRecord& rec = Rec(p.id);
      if (rec.architecture != "all" && rec.architecture != request_.architecture) continue;
      if (ProviderMatches(p.version, r)) providers.push_back(p.id);
    }
    std::stable_sort(providers.begin(), providers.end(), [&](PackageId a, PackageId b) {
      int pa = PriorityRank(Rec(a).priority), pb = PriorityRank(Rec(b).priority);
      if (pa != pb) return pa < pb;
      if (Rec(a).name != Rec(b).name) return Rec(a).name < Rec(b).name;
      return CompareDebianVersionStrings(Rec(a).version, Rec(b).version) > 0;
    });
    for (PackageId id : providers) add(id);
  }
  return out;
}

bool Planner::Select(PackageId id, size_t goal, std::string* why) {
  const PackageRecord& p = Rec(id);
  if (auto it = chosen_by_name_.find(p.name); it != chosen_by_name_.end()) {
    *why = Describe(id) + ": version " + Rec(it->second).version + " of " + p.name + " is already chosen (" +
           Chain(chosen_for_goal_.at(it->second)) + ")";
    return false;
  }
  const Relations& rel = RelationsOf(id);
  // Its conflicts against what is chosen...
  for (const auto& c : rel.conflicts) {
    if (auto it = chosen_by_name_.find(c.name); it != chosen_by_name_.end() && it->second != id &&
                                                 VersionSatisfies(Rec(it->second).version, c.op, c.version)) {
      *why = Describe(id) + " conflicts with " + Describe(it->second) + " (" + Chain(chosen_for_goal_.at(it->second)) + ")";
      return false;
    }
    if (c.op == VersionOp::kAny) {
      if (auto it = chosen_providers_.find(c.name); it != chosen_providers_.end()) {
        for (const auto& [other, version] : it->second) {
          if (other == id) continue;
          *why = Describe(id) + " conflicts with " + c.name + ", provided by " + Describe(other) + " (" +
                 Chain(chosen_for_goal_.at(other)) + ")";
          return false;
        }
      }
    }
  }
  // ...and what is chosen against it, by its name and what it provides.
  auto conflicted = [&](const std::string& name, const std::string& version, bool provided) -> bool {
    auto it = chosen_conflicts_.find(name);
    if (it == chosen_conflicts_.end()) return false;
    for (const auto& [other, c] : it->second) {
      if (other == id) continue;
      bool hit = provided ? c->op == VersionOp::kAny : VersionSatisfies(version, c->op, c->version);
      if (hit) {
        *why = Describe(other) + " (" + Chain(chosen_for_goal_.at(other)) + ") conflicts with " +
               (provided ? name + ", which " + Describe(id) + " provides" : Describe(id));
        return true;
      }
    }
    return false;
  };
  if (conflicted(p.name, p.version, false)) return false;
  for (const auto& [name, version] : rel.provides) {
    if (conflicted(name, version, true)) return false;
  }

  chosen_by_name_[p.name] = id;
  for (const auto& [name, version] : rel.provides) chosen_providers_[name].emplace_back(id, version);
  for (const auto& c : rel.conflicts) chosen_conflicts_[c.name].emplace_back(id, &c);
  chosen_for_goal_[id] = goal;
  trail_.push_back(id);
  for (const auto& g : rel.pre_depends) agenda_.push_back({g, id, "", true});
  for (const auto& g : rel.depends) agenda_.push_back({g, id, "", false});
  return true;
}

void Planner::UndoTo(size_t mark) {
  while (trail_.size() > mark) {
    PackageId id = trail_.back();
    trail_.pop_back();
    const PackageRecord& p = Rec(id);
    const Relations& rel = *relations_.at(id);
    chosen_by_name_.erase(p.name);
    for (const auto& [name, version] : rel.provides) {
      auto& v = chosen_providers_[name];
      v.pop_back();  // entries are pushed and popped in trail order
      if (v.empty()) chosen_providers_.erase(name);
    }
    for (const auto& c : rel.conflicts) {
      auto& v = chosen_conflicts_[c.name];
      v.pop_back();
      if (v.empty()) chosen_conflicts_.erase(c.name);
    }
    chosen_for_goal_.erase(id);
  }
}

std::string Planner::GroupText(const RelationGroup& group) const {
  std::string s;
  for (const auto& r : group) s += (s.empty() ? "" : " | ") + RelationToString(r);
  return s;
}

// "libc6 (>= 2.36) <- gcc-12 12.2.0-14 <- gcc 4:12.2.0-3 <- requested"
std::string Planner::Chain(size_t goal) const {
  std::string s;
  size_t g = goal;
  for (int depth = 0; depth < 64; ++depth) {
    const Goal& G = agenda_[g];
    if (G.from == kNoPackage) return s + (s.empty() ? "" : " <- ") + G.origin;
    s += (s.empty() ? "" : " <- ") + Describe(G.from) + (G.pre ? " (pre-depends)" : "");
    auto it = chosen_for_goal_.find(G.from);
    if (it == chosen_for_goal_.end()) return s;
    g = it->second;
  }
  return s + " <- ...";
}

std::string Planner::NoCandidateReason(const RelationGroup& group) const {
  std::string s;
  for (const auto& r : group) {
    const auto& same_name = index_.WithName(r.name);
    std::string line;
    if (same_name.empty() && index_.ProvidersOf(r.name).empty()) {
      line = "no package is named or provides '" + r.name + "'";
    } else {
      std::vector<std::string> versions;
      for (PackageId id : same_name) {
        if (Rec(id).architecture == "all" || Rec(id).architecture == request_.architecture) versions.push_back(Rec(id).version);
      }
      line = "'" + RelationToString(r) + "' is not satisfied by any available version";
      if (!versions.empty()) {
        std::string list;
        for (const auto& v : versions) list += (list.empty() ? "" : ", ") + v;
        line += " (available: " + list + ")";
      }
      if (r.arch_qualifier == "any") line += "; ':any' needs a package marked Multi-Arch: allowed";
    }
    s += "\n    " + line;
  }
  return s;
}

bool Planner::AddTopLevelGoals(std::string* explanation) {
  for (const auto& text : request_.packages) {
    DebianRelation r;
    size_t eq = text.find('=');
    r.name = text.substr(0, eq);
    if (eq != std::string::npos) {
      r.op = VersionOp::kEqual;
      r.version = text.substr(eq + 1);
    }
    if (size_t colon = r.name.find(':'); colon != std::string::npos) {
      r.arch_qualifier = r.name.substr(colon + 1);
      r.name = r.name.substr(0, colon);
    }
    if (r.name.empty()) {
      *explanation = "'" + text + "' is not a package name (expected NAME or NAME=VERSION)";
      return false;
    }
    if (index_.WithName(r.name).empty() && index_.ProvidersOf(r.name).empty()) {
      *explanation = "unknown package '" + r.name + "'";
      auto similar = index_.MatchNames(r.name);
      if (!similar.empty()) {
        *explanation += "; names containing it:";
        for (size_t i = 0; i < similar.size() && i < 8; ++i) *explanation += " " + similar[i];
        if (similar.size() > 8) *explanation += " ...";
      } else {
        *explanation += ". Search with `tr query " + r.name + "`.";
      }
      return false;
    }
    agenda_.push_back({{r}, kNoPackage, "requested", false, !index_.WithName(r.name).empty()});
  }
  if (request_.base == BaseSet::kNone) return true;
  // The base set: every name with an Essential (or required) version.
  std::set<std::string> names;
  for (PackageId id = 0; id < index_.size(); ++id) {
    const PackageRecord& p = Rec(id);
    if (p.architecture != "all" && p.architecture != request_.architecture) continue;
    if (p.essential || (request_.base == BaseSet::kRequired && p.priority == "required")) names.insert(p.name);
  }
  for (const auto& name : names) {
    DebianRelation r;
    r.name = name;
    agenda_.push_back({{r}, kNoPackage, request_.base == BaseSet::kRequired ? "required" : "essential", false});
  }
  return true;
}

std::optional<Plan> Planner::Run(std::string* explanation) {
  if (!AddTopLevelGoals(explanation)) return std::nullopt;
  std::vector<ChoicePoint> choices;
  uint64_t steps = 0;
  size_t i = 0;
  // Tries the next candidate of the newest choice point, backtracking
  // through older ones; false when every choice is exhausted.
  auto advance = [&]() -> bool {
    while (!choices.empty()) {
      ChoicePoint& cp = choices.back();
      UndoTo(cp.trail_mark);
      agenda_.resize(cp.agenda_size);
      while (cp.next < cp.candidates.size()) {
        if (++steps > request_.step_budget) return false;
        PackageId id = cp.candidates[cp.next++];
        std::string why;
        if (Select(id, cp.goal, &why)) {
          i = cp.goal + 1;
          return true;
        }
        if (first_dead_end_.empty() && cp.next == cp.candidates.size()) {
          first_dead_end_ = "cannot satisfy " + GroupText(agenda_[cp.goal].group) + ", needed by " + Chain(cp.goal) +
                            ":\n    " + why;
        }
      }
      choices.pop_back();
    }
    return false;
  };
  while (i < agenda_.size()) {
    if (SatisfiedBy(agenda_[i].group, agenda_[i].exact) != kNoPackage) {
      ++i;
      continue;
    }
    std::vector<PackageId> candidates = Candidates(agenda_[i].group);
    if (agenda_[i].exact) {
      // Only packages of the requested name, not its providers.
      std::erase_if(candidates, [&](PackageId id) { return Rec(id).name != agenda_[i].group[0].name; });
    }
    if (candidates.empty() && first_dead_end_.empty()) {
      first_dead_end_ = "cannot satisfy " + GroupText(agenda_[i].group) + ", needed by " + Chain(i) + ":" +
                        NoCandidateReason(agenda_[i].group);
    }
    choices.push_back({i, std::move(candidates), 0, trail_.size(), agenda_.size()});
    if (!advance()) {
      if (steps > request_.step_budget) {
        *explanation = "the search for a consistent set of packages gave up after " +
                       std::to_string(request_.step_budget) + " steps; the first problem met was:\n  " + first_dead_end_;
      } else {
        *explanation = "the request cannot be satisfied:\n  " + first_dead_end_;
      }
      return std::nullopt;
    }
  }
  return Order();
}

Plan Planner::Order() {
  // The graph: each chosen package to the chosen packages satisfying its
  // dependency groups.
  std::vector<PackageId> nodes = trail_;
  std::sort(nodes.begin(), nodes.end(), [&](PackageId a, PackageId b) { return Rec(a).name < Rec(b).name; });
  std::unordered_map<PackageId, size_t> position;
  for (size_t n = 0; n < nodes.size(); ++n) position[nodes[n]] = n;
  std::vector<std::vector<OrderEdge>> edges(nodes.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    const Relations& rel = *relations_.at(nodes[n]);
    for (bool pre : {true, false}) {
      for (const auto& g : pre ? rel.pre_depends : rel.depends) {
        PackageId dep = SatisfiedBy(g);
        if (dep != kNoPackage && dep != nodes[n]) edges[n].push_back({position.at(dep), pre});
      }
    }
  }
  InstallOrder order = OrderForInstall(edges);
  Plan plan;
  for (const auto& cycle : order.cycles) {
    std::vector<std::string> names;
    for (size_t m : cycle) names.push_back(Rec(nodes[m]).name);
    std::string line = "dependency cycle among";
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& name : sorted) line += " " + name;
    line += "; installed in the order";
    for (const auto& name : names) line += " " + name;
    plan.cycles.push_back(line);
  }
  for (size_t m : order.order) {
    PackageId id = nodes[m];
    const Goal& g = agenda_[chosen_for_goal_.at(id)];
    plan.packages.push_back({id, g.from == kNoPackage ? g.origin : Chain(chosen_for_goal_.at(id))});
  }
  return plan;
}

}  // namespace

std::optional<Plan> PlanDebian(const PackageIndex& index, const PlanRequest& request, std::string* explanation) {
  Planner planner(index, request);
  std::string ignored;
  return planner.Run(explanation ? explanation : &ignored);
}

}  // namespace tinyrange::packages
