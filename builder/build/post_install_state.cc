#include "builder/build/post_install_state.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <filesystem>
#include <string_view>

#include "builder/build/definition.h"
#include "builder/download/cache_paths.h"
#include "builder/download/sha256.h"
#include "builder/install/capture_reader.h"
#include "builder/install/digest.h"

namespace tinyrange::build {

std::string PostInstallStateKey(const std::vector<std::string>& archive_hashes) {
  // Versioned like a definition's canonical form, so a change to what a
  // capture holds (guest-init/capture_format.h) gets new keys.
  std::string text = "tinyrange post-install state v1\n";
  for (const std::string& hash : archive_hashes) text += hash + "\n";
  return install::HexOf(install::DigestOf(install::DigestKind::kSha256, text));
}

namespace {

// HASH[/NAME] when `path` is the output of the cache's entry HASH (or a
// file NAME inside it), else nullopt. The cache's own OutputPath says
// where an entry's output is; only the hash is picked out of the path.
std::optional<std::string> CacheEntryOf(const BuildCache& cache, std::string_view path) {
  const std::string& builds = cache.root();
  if (path.size() <= builds.size() || path.compare(0, builds.size(), builds) != 0 || path[builds.size()] != '/') {
    return std::nullopt;
  }
  // BUILDS/XX/HASH/...: the hash is the second name below the builds.
  std::string_view rest = path.substr(builds.size() + 1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string hash(rest.substr(slash + 1, 64));
  if (!download::IsSha256Hex(hash)) return std::nullopt;
  std::string output = cache.OutputPath(hash);
  if (path == output) return hash;
  if (path.size() > output.size() + 1 && path.compare(0, output.size(), output) == 0 && path[output.size()] == '/') {
    return hash + "/" + std::string(path.substr(output.size() + 1));
  }
  return std::nullopt;
}

}  // namespace

std::string ArchiveIdentity(const BuildCache& cache, const std::string& path) {
  if (std::optional<std::string> entry = CacheEntryOf(cache, path)) return *entry;
  std::optional<std::string> digest = download::Sha256OfFile(path);
  if (!digest) throw BuildError("cannot read " + path + " to name it in the post-install state's key");
  return "sha256:" + *digest;
}

std::optional<std::string> FindPostInstallState(BuildCache& cache, const std::string& key,
                                                std::unique_ptr<BuildCache::Hold>* hold) {
  auto h = cache.Acquire(key);
  if (!h->exists()) return std::nullopt;
  cache.Touch(key);
  *hold = std::move(h);
  return cache.OutputPath(key);
}

const char* CaptureOutcomeName(CaptureOutcome outcome) {
  switch (outcome) {
    case CaptureOutcome::kStored: return "stored";
    case CaptureOutcome::kAlreadyCached: return "already cached";
    case CaptureOutcome::kNotCacheable: return "not cacheable (a script removed a packaged file)";
    case CaptureOutcome::kTooLarge: return "too large for the capture disk";
    case CaptureOutcome::kNotWritten: return "not written (an install script failed)";
  }
  return "?";
}

CaptureOutcome StorePostInstallState(BuildCache& cache, const std::string& key, const std::string& capture_disk,
                                     const std::vector<std::string>& archive_hashes) {
  {
    // A disk still all zeros at the start: guest-init wrote nothing.
    char head[8] = {};
    std::ifstream in(capture_disk, std::ios::binary);
    in.read(head, sizeof head);
    if (in && std::all_of(head, head + sizeof head, [](char c) { return c == 0; })) return CaptureOutcome::kNotWritten;
  }
  auto hold = cache.Acquire(key);
  if (hold->exists()) return CaptureOutcome::kAlreadyCached;
  if (hold->Claim([] { return true; })) return CaptureOutcome::kAlreadyCached;
  std::string temp = hold->MakeTemporaryDir();
  install::CaptureResult result;
  try {
    result = install::ReadCapture(capture_disk, temp + "/out");
  } catch (const std::exception& e) {
    std::error_code ec;
    std::filesystem::remove_all(temp, ec);
    throw BuildError(e.what());
  }
  if (result.status != CaptureStatus::kComplete) {
    std::error_code ec;
    std::filesystem::remove_all(temp, ec);
    return result.status == CaptureStatus::kTooLarge ? CaptureOutcome::kTooLarge : CaptureOutcome::kNotCacheable;
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(temp + "/out", ec);
  nlohmann::json meta = {
      {"definition", {{"kind", "post_install_state"}, {"version", 1}, {"params", nlohmann::json::object()},
                      {"inputs", archive_hashes}}},
      {"describe", "post_install_state (captured from a run)"},
      {"created", static_cast<int64_t>(time(nullptr))},
      {"size", ec ? 0 : size},
  };
  hold->Commit(temp, meta);
  return CaptureOutcome::kStored;
}

}  // namespace tinyrange::build
