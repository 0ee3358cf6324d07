// The in-memory index of one distribution's packages: every record of
// several record files, looked up by name and by what packages provide.
//
// Built once, then read-only: the planner and queries share it between
// threads without locks. Relationship fields stay text in the records and
// are parsed by the planner for the few packages it visits, so loading
// costs a pass over the files and two hash tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "builder/packages/debian_relation.h"
#include "builder/packages/package_record.h"

namespace tinyrange::packages {

using PackageId = uint32_t;

struct IndexedPackage {
  PackageRecord record;
  uint32_t repo = 0;  // index into PackageIndex::repos()
};

// A package that provides a name, with the version it provides it at
// (empty for an unversioned Provides).
struct Provider {
  PackageId id;
  std::string version;
};

class PackageIndex {
 public:
  PackageIndex() = default;
  // Move-only: the name table points into the package records.
  PackageIndex(PackageIndex&&) = default;
  PackageIndex& operator=(PackageIndex&&) = default;
  PackageIndex(const PackageIndex&) = delete;
  PackageIndex& operator=(const PackageIndex&) = delete;

  // Loads record files (all of one distro) in parallel, one thread per file
  // up to the machine's cores. Records keep file order, and files keep the
  // order given, which is the preference order among equal versions.
  // Returns nullopt with *error naming the bad file and line.
  static std::optional<PackageIndex> Load(const std::vector<std::string>& paths, std::string* error);
  // From files already in memory (tests, and conversions just made).
  static std::optional<PackageIndex> FromRecordFiles(std::vector<RecordFile> files, std::string* error);

  Distro distro() const { return distro_; }
  const std::vector<RecordFileHeader>& repos() const { return repos_; }
  // Where each repository's package files are: a record's `filename` is
  // relative to it. Set by the collection that knows the mirrors.
  void SetRepoBaseUrls(std::vector<std::string> urls) { base_urls_ = std::move(urls); }
  std::string PackageUrl(PackageId id) const;
  size_t size() const { return packages_.size(); }
  const IndexedPackage& package(PackageId id) const { return packages_[id]; }

  // Every package (all versions, all repos) with exactly this name.
  const std::vector<PackageId>& WithName(std::string_view name) const;
  // Every package that provides `name` (not counting packages named so).
  const std::vector<Provider>& ProvidersOf(std::string_view name) const;

  // Names matching a shell glob ('*', '?', '[...]'), or containing the
  // pattern when it has no glob characters; sorted, each name once.
  std::vector<std::string> MatchNames(const std::string& pattern) const;

 private:
  void Build();

  Distro distro_ = Distro::kDebian;
  std::vector<RecordFileHeader> repos_;
  std::vector<std::string> base_urls_;
  std::vector<IndexedPackage> packages_;
  std::unordered_map<std::string_view, std::vector<PackageId>> by_name_;
  std::unordered_map<std::string, std::vector<Provider>> providers_;
};

}  // namespace tinyrange::packages
