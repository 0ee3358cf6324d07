#include "builder/packages/alpine_planner.h"

#include <algorithm>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "builder/packages/alpine_atom.h"
#include "builder/packages/alpine_version.h"
#include "builder/packages/install_order.h"

namespace tinyrange::packages {
namespace {

constexpr PackageId kNoPackage = ~PackageId{0};
// The last candidate of an optional goal: leave it unsatisfied.
constexpr PackageId kSkip = kNoPackage - 1;

// A package's relationship fields, parsed on first use.
struct Relations {
  std::vector<AlpineAtom> depends;
  std::vector<AlpineAtom> conflicts;                          // the "!" atoms of depends
  std::vector<std::pair<std::string, std::string>> provides;  // name, version ("" if unversioned)
  std::vector<AlpineAtom> install_if;
};

struct Goal {
  AlpineAtom atom;
  PackageId from = kNoPackage;  // whose dependency this is; kNoPackage for top-level goals
  std::string origin;           // "requested", or "install_if ..." for top-level goals
  std::vector<PackageId> only;  // when set, the candidates (install_if versions whose trigger holds)
  bool optional = false;        // install_if: may be left out
};

struct ChoicePoint {
  size_t goal;
  std::vector<PackageId> candidates;
  size_t next = 0;
  size_t trail_mark;
  size_t agenda_size;
};

std::vector<AlpineAtom> Atoms(const std::string& field) {
  auto parsed = ParseAlpineAtoms(field, nullptr);  // validated when the record was made
  return parsed ? std::move(*parsed) : std::vector<AlpineAtom>{};
}

uint64_t ProviderPriority(const PackageRecord& r) {
  uint64_t k = 0;
  for (char c : r.priority) {
    if (c < '0' || c > '9') return 0;
    k = k * 10 + static_cast<uint64_t>(c - '0');
  }
  return k;
}

class Planner {
 public:
  Planner(const PackageIndex& index, const AlpinePlanRequest& request) : index_(index), request_(request) {}

  std::optional<Plan> Run(std::string* explanation);

 private:
  const Relations& RelationsOf(PackageId id);
  const PackageRecord& Rec(PackageId id) const { return index_.package(id).record; }
  std::string Describe(PackageId id) const { return Rec(id).name + " " + Rec(id).version; }
  bool ArchOk(PackageId id) const {
    const std::string& a = Rec(id).architecture;
    return a == request_.architecture || a == "noarch";
  }

  static bool ProviderMatches(const std::string& provided_version, const AlpineAtom& atom) {
    // An unversioned provide stands for no version at all: it satisfies
    // only atoms that ask for none.
    if (!atom.versioned()) return true;
    return !provided_version.empty() && AlpineVersionMatches(provided_version, atom);
  }
  PackageId SatisfiedBy(const AlpineAtom& atom) const;
  bool AllSatisfied(const std::vector<AlpineAtom>& atoms) const;
  std::vector<PackageId> Candidates(const Goal& goal) const;
  // Whether conflict atom `c` hits a package of (or a provide at) `version`.
  static bool ConflictHits(const AlpineAtom& c, const std::string& version, bool provided) {
    if (!provided) return AlpineVersionMatches(version, c);
    return ProviderMatches(version, c);
  }
  bool Select(PackageId id, size_t goal, std::string* why);
  void UndoTo(size_t mark);
  std::string Chain(size_t goal) const;
  std::string NoCandidateReason(const AlpineAtom& atom) const;
  bool AddRequestGoals(std::string* explanation);
  bool AddInstallIfGoals();
  Plan Order();

  const PackageIndex& index_;
  const AlpinePlanRequest& request_;
  std::unordered_map<PackageId, std::unique_ptr<Relations>> relations_;
  std::vector<AlpineAtom> forbidden_;          // "!name" in the request
  std::vector<std::string> install_if_names_;  // names with an install_if version, sorted

  std::vector<Goal> agenda_;
  std::unordered_map<std::string, PackageId> chosen_by_name_;
  std::unordered_map<std::string, std::vector<std::pair<PackageId, std::string>>> chosen_providers_;
  std::unordered_map<std::string, std::vector<std::pair<PackageId, const AlpineAtom*>>> chosen_conflicts_;
  std::unordered_map<PackageId, size_t> chosen_for_goal_;
  std::vector<PackageId> trail_;
  std::string first_dead_end_;
};

const Relations& Planner::RelationsOf(PackageId id) {
  auto& slot = relations_[id];
  if (slot) return *slot;
  slot = std::make_unique<Relations>();
  const PackageRecord& r = Rec(id);
  for (auto& atom : Atoms(r.depends)) (atom.conflict ? slot->conflicts : slot->depends).push_back(std::move(atom));
  for (auto& atom : Atoms(r.provides)) {
    slot->provides.emplace_back(atom.name, atom.equal && !atom.fuzzy ? atom.version : "");
  }
  slot->install_if = Atoms(r.install_if);
  return *slot;
}

PackageId Planner::SatisfiedBy(const AlpineAtom& atom) const {
  if (auto it = chosen_by_name_.find(atom.name);
      it != chosen_by_name_.end() && AlpineVersionMatches(Rec(it->second).version, atom)) {
    return it->second;
  }
  if (auto it = chosen_providers_.find(atom.name); it != chosen_providers_.end()) {
    for (const auto& [id, version] : it->second) {
      if (ProviderMatches(version, atom)) return id;
    }
  }
  return kNoPackage;
}

bool Planner::AllSatisfied(const std::vector<AlpineAtom>& atoms) const {
  for (const auto& atom : atoms) {
    bool present = SatisfiedBy(atom) != kNoPackage;
    if (atom.conflict ? present : !present) return false;
  }
  return true;
}

std::vector<PackageId> Planner::Candidates(const Goal& goal) const {
  std::vector<PackageId> out = goal.only;
  if (goal.only.empty()) {
    const AlpineAtom& atom = goal.atom;
    // Real packages of that name, highest version first; among equal
    // versions the earlier repository wins (stable sort keeps index order).
    std::vector<PackageId> real;
    for (PackageId id : index_.WithName(atom.name)) {
      if (ArchOk(id) && AlpineVersionMatches(Rec(id).version, atom)) real.push_back(id);
    }
    std::stable_sort(real.begin(), real.end(), [&](PackageId a, PackageId b) {
      return CompareAlpineVersions(Rec(a).version, Rec(b).version) > 0;
    });
    out = real;
    // Then providers: highest provider priority, then name, then version.
    std::vector<PackageId> providers;
    std::unordered_set<PackageId> seen(out.begin(), out.end());
    for (const auto& p : index_.ProvidersOf(atom.name)) {
      if (ArchOk(p.id) && ProviderMatches(p.version, atom) && seen.insert(p.id).second) providers.push_back(p.id);
    }
    std::stable_sort(providers.begin(), providers.end(), [&](PackageId a, PackageId b) {
      uint64_t ka = ProviderPriority(Rec(a)), kb = ProviderPriority(Rec(b));
      if (ka != kb) return ka > kb;
      if (Rec(a).name != Rec(b).name) return Rec(a).name < Rec(b).name;
      return CompareAlpineVersions(Rec(a).version, Rec(b).version) > 0;
    });
    out.insert(out.end(), providers.begin(), providers.end());
  }
  if (goal.optional) out.push_back(kSkip);
  return out;
}

bool Planner::Select(PackageId id, size_t goal, std::string* why) {
  if (id == kSkip) return true;
  const PackageRecord& p = Rec(id);
  if (auto it = chosen_by_name_.find(p.name); it != chosen_by_name_.end()) {
    *why = Describe(id) + ": version " + Rec(it->second).version + " of " + p.name + " is already chosen (" +
           Chain(chosen_for_goal_.at(it->second)) + ")";
    return false;
  }
  const Relations& rel = RelationsOf(id);
  // Its conflicts against what is chosen...
  for (const auto& c : rel.conflicts) {
    if (auto it = chosen_by_name_.find(c.name);
        it != chosen_by_name_.end() && it->second != id && ConflictHits(c, Rec(it->second).version, false)) {
      *why = Describe(id) + " conflicts with " + Describe(it->second) + " (" + AlpineAtomToString(c) + "; " +
             Describe(it->second) + " <- " + Chain(chosen_for_goal_.at(it->second)) + ")";
      return false;
    }
    if (auto it = chosen_providers_.find(c.name); it != chosen_providers_.end()) {
      for (const auto& [other, version] : it->second) {
        if (other == id || !ConflictHits(c, version, true)) continue;
        *why = Describe(id) + " conflicts with " + c.name + ", provided by " + Describe(other) + " (" +
               AlpineAtomToString(c) + "; " + Describe(other) + " <- " + Chain(chosen_for_goal_.at(other)) + ")";
        return false;
      }
    }
  }
  // ...and what is chosen (or the request) against it, by its name and
  // what it provides.
  auto conflicted = [&](const std::string& name, const std::string& version, bool provided) -> bool {
    for (const auto& c : forbidden_) {
      if (c.name == name && ConflictHits(c, version, provided)) {
        *why = Describe(id) + (provided ? " provides " + name : "") + ", which the request forbids (" +
               AlpineAtomToString(c) + ")";
        return true;
      }
    }
    auto it = chosen_conflicts_.find(name);
    if (it == chosen_conflicts_.end()) return false;
    for (const auto& [other, c] : it->second) {
      if (other == id || !ConflictHits(*c, version, provided)) continue;
      *why = Describe(other) + " (" + Chain(chosen_for_goal_.at(other)) + ") conflicts with " +
             (provided ? name + ", which " + Describe(id) + " provides" : Describe(id)) + " (" +
             AlpineAtomToString(*c) + ")";
      return true;
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
  for (const auto& d : rel.depends) agenda_.push_back({d, id, "", {}, false});
  return true;
}

void Planner::UndoTo(size_t mark) {
  while (trail_.size() > mark) {
    PackageId id = trail_.back();
    trail_.pop_back();
    const Relations& rel = *relations_.at(id);
    chosen_by_name_.erase(Rec(id).name);
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

// "busybox 1.36.1-r2 <- alpine-base 3.20.0-r0 <- requested"
std::string Planner::Chain(size_t goal) const {
  std::string s;
  size_t g = goal;
  for (int depth = 0; depth < 64; ++depth) {
    const Goal& G = agenda_[g];
    if (G.from == kNoPackage) return s + (s.empty() ? "" : " <- ") + G.origin;
    s += (s.empty() ? "" : " <- ") + Describe(G.from);
    auto it = chosen_for_goal_.find(G.from);
    if (it == chosen_for_goal_.end()) return s;
    g = it->second;
  }
  return s + " <- ...";
}

std::string Planner::NoCandidateReason(const AlpineAtom& atom) const {
  const auto& same_name = index_.WithName(atom.name);
  const auto& providers = index_.ProvidersOf(atom.name);
  if (same_name.empty() && providers.empty()) return "\n    no package is named or provides '" + atom.name + "'";
  std::string list;
  for (PackageId id : same_name) {
    if (ArchOk(id)) list += (list.empty() ? "" : ", ") + Rec(id).version;
  }
  for (const auto& p : providers) {
    if (ArchOk(p.id)) {
      list += (list.empty() ? "" : ", ") + atom.name + (p.version.empty() ? "" : "=" + p.version) + " from " +
              Describe(p.id);
    }
  }
  std::string line = "\n    '" + AlpineAtomToString(atom) + "' is not satisfied by any available version";
  if (!list.empty()) line += " (available: " + list + ")";
  if (atom.versioned()) line += "; a provide without a version never satisfies a versioned dependency";
  return line;
}

bool Planner::AddRequestGoals(std::string* explanation) {
  for (const auto& text : request_.packages) {
    std::string why;
    auto atom = ParseAlpineAtom(text, &why);
    if (!atom) {
      *explanation = why + " (expected NAME, NAME=VERSION, NAME>=VERSION, NAME~VERSION or !NAME)";
      return false;
    }
    if (atom->conflict) {
      forbidden_.push_back(std::move(*atom));
      continue;
    }
    if (index_.WithName(atom->name).empty() && index_.ProvidersOf(atom->name).empty()) {
      *explanation = "unknown package '" + atom->name + "'";
      auto similar = index_.MatchNames(atom->name);
      if (!similar.empty()) {
        *explanation += "; names containing it:";
        for (size_t i = 0; i < similar.size() && i < 8; ++i) *explanation += " " + similar[i];
        if (similar.size() > 8) *explanation += " ...";
      } else {
        *explanation += ". Search with `tr query " + atom->name + "`.";
      }
      return false;
    }
    agenda_.push_back({std::move(*atom), kNoPackage, "requested", {}, false});
  }
  // Names some version of which has install_if, for the fixed point.
  std::set<std::string> names;
  for (PackageId id = 0; id < index_.size(); ++id) {
    if (!Rec(id).install_if.empty() && ArchOk(id)) names.insert(Rec(id).name);
  }
  install_if_names_.assign(names.begin(), names.end());
  return true;
}

// Adds a goal for each package whose install_if now holds; false when
// there is none (the fixed point).
bool Planner::AddInstallIfGoals() {
  std::unordered_set<std::string> pending;
  for (const auto& g : agenda_) {
    if (!g.only.empty()) pending.insert(g.atom.name);
  }
  bool added = false;
  for (const auto& name : install_if_names_) {
    if (chosen_by_name_.count(name) || pending.count(name)) continue;
    std::vector<PackageId> versions;
    for (PackageId id : index_.WithName(name)) {
      if (ArchOk(id) && !Rec(id).install_if.empty() && AllSatisfied(RelationsOf(id).install_if)) versions.push_back(id);
    }
    if (versions.empty()) continue;
    std::stable_sort(versions.begin(), versions.end(), [&](PackageId a, PackageId b) {
      return CompareAlpineVersions(Rec(a).version, Rec(b).version) > 0;
    });
    Goal g;
    g.atom.name = name;
    g.origin = "install_if " + Rec(versions[0]).install_if;
    g.only = std::move(versions);
    g.optional = true;
    agenda_.push_back(std::move(g));
    added = true;
  }
  return added;
}

std::optional<Plan> Planner::Run(std::string* explanation) {
  if (!AddRequestGoals(explanation)) return std::nullopt;
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
          first_dead_end_ = "cannot satisfy " + AlpineAtomToString(agenda_[cp.goal].atom) + ", needed by " +
                            Chain(cp.goal) + ":\n    " + why;
        }
      }
      choices.pop_back();
    }
    return false;
  };
  for (;;) {
    if (i == agenda_.size() && !AddInstallIfGoals()) break;
    const Goal& goal = agenda_[i];
    if (SatisfiedBy(goal.atom) != kNoPackage) {
      ++i;
      continue;
    }
    std::vector<PackageId> candidates = Candidates(goal);
    if (candidates.empty() && first_dead_end_.empty()) {
      first_dead_end_ = "cannot satisfy " + AlpineAtomToString(goal.atom) + ", needed by " + Chain(i) + ":" +
                        NoCandidateReason(goal.atom);
    }
    choices.push_back({i, std::move(candidates), 0, trail_.size(), agenda_.size()});
    if (!advance()) {
      if (steps > request_.step_budget) {
        *explanation = "the search for a consistent set of packages gave up after " +
                       std::to_string(request_.step_budget) + " steps; the first problem met was:\n  " +
                       first_dead_end_;
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
  // depends, and an install_if package to its triggers.
  std::vector<PackageId> nodes = trail_;
  std::sort(nodes.begin(), nodes.end(), [&](PackageId a, PackageId b) { return Rec(a).name < Rec(b).name; });
  std::unordered_map<PackageId, size_t> position;
  for (size_t n = 0; n < nodes.size(); ++n) position[nodes[n]] = n;
  std::vector<std::vector<OrderEdge>> edges(nodes.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    const Relations& rel = *relations_.at(nodes[n]);
    for (const auto* atoms : {&rel.depends, &rel.install_if}) {
      for (const auto& atom : *atoms) {
        if (atom.conflict) continue;
        PackageId dep = SatisfiedBy(atom);
        if (dep != kNoPackage && dep != nodes[n]) edges[n].push_back({position.at(dep)});
      }
    }
  }
  // Alpine has no Pre-Depends: inside a cycle nothing can go first for a
  // reason, and name order keeps the result the same from run to run.
  InstallOrder order = OrderForInstall(edges);
  Plan plan;
  for (const auto& cycle : order.cycles) {
    std::string line = "dependency cycle among";
    for (size_t m : cycle) line += " " + Rec(nodes[m]).name;
    line += "; installed in name order";
    plan.cycles.push_back(line);
  }
  for (size_t m : order.order) {
    PackageId id = nodes[m];
    size_t g = chosen_for_goal_.at(id);
    const Goal& goal = agenda_[g];
    std::string reason = goal.from == kNoPackage ? goal.origin : AlpineAtomToString(goal.atom) + " <- " + Chain(g);
    plan.packages.push_back({id, reason});
  }
  return plan;
}

}  // namespace

std::optional<Plan> PlanAlpine(const PackageIndex& index, const AlpinePlanRequest& request, std::string* explanation) {
  Planner planner(index, request);
  std::string ignored;
  return planner.Run(explanation ? explanation : &ignored);
}

}  // namespace tinyrange::packages
