#include "builder/packages/package_index.h"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

namespace tinyrange::packages {
namespace {

const std::vector<PackageId> kNoIds;
const std::vector<Provider> kNoProviders;

// Provides entries: Debian "name (= version)" lists, or Alpine
// "name=version" atoms.
template <typename Fn>
void ForEachProvided(Distro distro, const std::string& field, Fn&& fn) {
  if (field.empty()) return;
  if (distro == Distro::kDebian) {
    auto groups = ParseRelations(field, nullptr);
    if (!groups) return;  // checked when the record was made
    for (const auto& group : *groups) {
      for (const auto& r : group) fn(r.name, r.op == VersionOp::kEqual ? r.version : "");
    }
    return;
  }
  std::istringstream words(field);
  for (std::string atom; words >> atom;) {
    size_t eq = atom.find('=');
    if (eq == std::string::npos) {
      fn(atom, "");
    } else {
      fn(atom.substr(0, eq), atom.substr(eq + 1));
    }
  }
}

}  // namespace

std::optional<PackageIndex> PackageIndex::Load(const std::vector<std::string>& paths, std::string* error) {
  std::vector<RecordFile> files(paths.size());
  std::vector<std::string> errors(paths.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < paths.size();) {
      auto parsed = LoadRecordFile(paths[i], &errors[i]);
      if (parsed) files[i] = std::move(*parsed);
    }
  };
  size_t threads = std::min<size_t>(paths.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (const auto& e : errors) {
    if (!e.empty()) {
      if (error) *error = e;
      return std::nullopt;
    }
  }
  return FromRecordFiles(std::move(files), error);
}

std::optional<PackageIndex> PackageIndex::FromRecordFiles(std::vector<RecordFile> files, std::string* error) {
  PackageIndex index;
  size_t total = 0;
  for (const auto& f : files) total += f.records.size();
  index.packages_.reserve(total);
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0 && files[i].header.distro != files[0].header.distro) {
      if (error) *error = "record files of different distributions cannot share an index (" + files[0].header.repo + ", " + files[i].header.repo + ")";
      return std::nullopt;
    }
    index.distro_ = files[i].header.distro;
    index.repos_.push_back(files[i].header);
    for (auto& r : files[i].records) index.packages_.push_back({std::move(r), static_cast<uint32_t>(i)});
  }
  index.Build();
  return index;
}

void PackageIndex::Build() {
  by_name_.reserve(packages_.size());
  for (PackageId id = 0; id < packages_.size(); ++id) {
    const PackageRecord& r = packages_[id].record;
    by_name_[r.name].push_back(id);
    ForEachProvided(distro_, r.provides, [&](const std::string& name, const std::string& version) {
      if (name != r.name) providers_[name].push_back({id, version});
    });
  }
}

const std::vector<PackageId>& PackageIndex::WithName(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? kNoIds : it->second;
}

const std::vector<Provider>& PackageIndex::ProvidersOf(std::string_view name) const {
  auto it = providers_.find(std::string(name));
  return it == providers_.end() ? kNoProviders : it->second;
}

std::vector<std::string> PackageIndex::MatchNames(const std::string& pattern) const {
  bool glob = pattern.find_first_of("*?[") != std::string::npos;
  std::vector<std::string> names;
  for (const auto& [name, ids] : by_name_) {
    std::string n(name);
    bool match = glob ? fnmatch(pattern.c_str(), n.c_str(), 0) == 0 : n.find(pattern) != std::string::npos;
    if (match) names.push_back(std::move(n));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tinyrange::packages
