#include "builder/packages/alpine_collection.h"

#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <utility>

#include "builder/download/cache_paths.h"
#include "builder/packages/alpine_repository.h"

namespace tinyrange::packages {
namespace {

constexpr const char* kSystemKeys = "/etc/apk/keys";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

std::optional<std::string> AlpineBranch(const std::string& version, std::string* error) {
  if (version == "edge") return version;
  std::string v = !version.empty() && version[0] == 'v' ? version.substr(1) : version;
  // MAJOR.MINOR: the repositories are per minor release.
  size_t dot = v.find('.');
  bool ok = dot != std::string::npos && dot > 0 && dot + 1 < v.size() && v.find('.', dot + 1) == std::string::npos;
  for (char c : v) ok = ok && (c == '.' || (c >= '0' && c <= '9'));
  if (!ok) {
    *error = "'" + version + "' is not an Alpine release: expected MAJOR.MINOR (e.g. 3.20) or edge";
    return std::nullopt;
  }
  return "v" + v;
}

std::string AlpineArchitecture(const std::string& architecture) {
  // Debian's names (what the rest of the builder uses) to Alpine's.
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"amd64", "x86_64"}, {"arm64", "aarch64"},   {"i386", "x86"},    {"armhf", "armhf"},
      {"armel", "armhf"},  {"ppc64el", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"}};
  for (const auto& [debian, alpine] : kNames) {
    if (architecture == debian) return std::string(alpine);
  }
  return architecture;
}

std::optional<std::string> AlpineMirror(const std::string& override_uri, std::string* error) {
  std::string mirror = !override_uri.empty() ? override_uri : Env("TR_ALPINE_MIRROR");
  while (!mirror.empty() && mirror.back() == '/') mirror.pop_back();
  if (mirror.empty()) {
    *error =
        "no Alpine mirror is configured: pass --alpine-mirror URL or set TR_ALPINE_MIRROR to the URL of a mirror's "
        "alpine/ directory (the one holding v3.20/, edge/, ...)";
    return std::nullopt;
  }
  return mirror;
}

std::optional<std::string> AlpineKeysDir(const std::string& override_dir, std::string* error) {
  std::string dir = !override_dir.empty() ? override_dir : Env("TR_ALPINE_KEYS");
  if (dir.empty()) {
    if (!std::filesystem::is_directory(kSystemKeys)) {
      *error = std::string(
                   "no Alpine signing keys: pass --alpine-keys DIR or set TR_ALPINE_KEYS to a directory of "
                   "the repositories' public keys (") +
               kSystemKeys + " does not exist here)";
      return std::nullopt;
    }
    dir = kSystemKeys;
  }
  if (!std::filesystem::is_directory(dir)) {
    *error = "the Alpine key directory " + dir + " does not exist";
    return std::nullopt;
  }
  return dir;
}

std::optional<PackageIndex> OpenAlpineCollection(const AlpineCollectionOptions& options,
                                                 std::vector<std::string>* notes, std::string* error) {
  auto branch = AlpineBranch(options.version, error);
  if (!branch) return std::nullopt;
  auto mirror = AlpineMirror(options.mirror_override, error);
  if (!mirror) return std::nullopt;
  auto keys = AlpineKeysDir(options.keys_override, error);
  if (!keys) return std::nullopt;
  std::vector<AlpineRepository> repos;
  for (const auto& repo : options.repos) repos.push_back({*mirror, *branch, repo});
  download::DownloadOptions download_options;
  download_options.offline = options.offline;
  download_options.progress = options.progress;
  download::Downloader downloader(download_options);
  std::string cache = options.cache_root.empty() ? download::CacheRoot() : options.cache_root;
  auto indexes = UpdateAlpineIndexes(repos, AlpineArchitecture(options.architecture), *keys, cache, downloader, error);
  if (!indexes) return std::nullopt;
  if (notes) notes->insert(notes->end(), indexes->notes.begin(), indexes->notes.end());
  auto index = PackageIndex::Load(indexes->record_files, error);
  if (index) index->SetRepoBaseUrls(indexes->base_urls);
  return index;
}

}  // namespace tinyrange::packages
