#include "builder/packages/debian_collection.h"

#include "builder/download/cache_paths.h"
#include "builder/packages/apt_sources.h"
#include "builder/packages/debian_repository.h"

namespace tinyrange::packages {
namespace {

constexpr const char* kDefaultKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

}  // namespace

std::optional<PackageIndex> OpenDebianCollection(const CollectionOptions& options, std::vector<std::string>* notes,
                                                 std::string* error) {
  auto sources = ReadAptSources(options.apt_root, error);
  if (!sources) return std::nullopt;
  // Security and updates first: equal versions then come from them, and
  // they are the suites that carry newer versions anyway.
  struct Wanted {
    std::string suite;
    bool optional;
  } wanted[] = {{options.suite + "-security", true}, {options.suite + "-updates", true}, {options.suite, false}};
  std::vector<DebianSuite> suites;
  for (const auto& w : wanted) {
    std::string find_error;
    auto mirror = FindDebianMirror(*sources, w.suite, options.mirror_override, &find_error);
    if (!mirror) {
      if (w.optional) {
        if (notes) notes->push_back("skipped " + w.suite + ": no apt source lists it");
        continue;
      }
      *error = find_error;
      return std::nullopt;
    }
    DebianSuite s;
    s.mirror = mirror->uri;
    s.suite = w.suite;
    s.keyring = mirror->signed_by.empty() ? kDefaultKeyring : mirror->signed_by;
    // The components the machine's source enables (main, contrib,
    // non-free-firmware...), else main.
    if (!mirror->components.empty()) s.components = mirror->components;
    s.optional = w.optional;
    suites.push_back(std::move(s));
  }
  download::DownloadOptions download_options;
  download_options.offline = options.offline;
  download_options.progress = options.progress;
  download::Downloader downloader(download_options);
  std::string cache = options.cache_root.empty() ? download::CacheRoot() : options.cache_root;
  auto indexes = UpdateDebianIndexes(suites, options.architecture, cache, downloader, options.offline, error);
  if (!indexes) return std::nullopt;
  if (notes) notes->insert(notes->end(), indexes->notes.begin(), indexes->notes.end());
  auto index = PackageIndex::Load(indexes->record_files, error);
  if (index) index->SetRepoBaseUrls(indexes->base_urls);
  return index;
}

}  // namespace tinyrange::packages
