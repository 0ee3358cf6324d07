#include "builder/packages/debian_repository.h"


#include <atomic>
#include <ctime>
#include <filesystem>
#include <thread>

#include "builder/download/cache_file.h"
#include "builder/download/cache_paths.h"
#include "builder/download/sha256.h"
#include "builder/packages/debian_index.h"
#include "builder/packages/decompress.h"
#include "builder/packages/release_file.h"

namespace tinyrange::packages {
namespace {

// Bumped when the conversion changes, so old record files are not reused.
constexpr const char* kConverterVersion = "debian-records-1";

struct IndexFile {
  size_t suite;
  std::string component;
  std::string release_path;  // e.g. main/binary-amd64/Packages.xz
  ReleaseEntry entry;
  std::string blob;          // where the download lands
  std::string records;       // the record file made from it
  bool by_hash = false;      // the repository serves it under by-hash/SHA256/
};

}  // namespace

std::optional<DebianIndexes> UpdateDebianIndexes(const std::vector<DebianSuite>& suites, const std::string& architecture,
                                                 const std::string& cache_root, download::Downloader& downloader,
                                                 bool offline, std::string* error) {
  DebianIndexes result;
  // 1. Every suite's InRelease, fetched afresh (or from the cache offline).
  std::vector<download::DownloadRequest> releases;
  for (const auto& s : suites) {
    download::DownloadRequest r;
    r.url = s.mirror + "/dists/" + s.suite + "/InRelease";
    r.destination = cache_root + "/repos/debian/" + download::CacheSafeName(s.mirror) + "/" + download::CacheSafeName(s.suite) + "/InRelease";
    r.refresh = true;
    r.max_size = 64 << 20;  // Debian's largest is a few hundred KiB
    r.label = s.suite + "/InRelease";
    releases.push_back(std::move(r));
  }
  auto fetched = downloader.Fetch(releases);

  // 2. Signatures, then the index files each signed Release names.
  std::vector<IndexFile> indexes;
  std::vector<bool> skipped(suites.size(), false);
  for (size_t i = 0; i < suites.size(); ++i) {
    const DebianSuite& s = suites[i];
    if (!fetched[i].ok) {
      if (s.optional && fetched[i].error.find("HTTP 404") != std::string::npos) {
        result.notes.push_back("skipped " + s.suite + ": " + s.mirror + " does not have it");
        skipped[i] = true;
        continue;
      }
      *error = "cannot fetch the " + s.suite + " release file: " + fetched[i].error;
      return std::nullopt;
    }
    auto signed_text = VerifyInRelease(releases[i].destination, s.keyring, error);
    if (!signed_text) return std::nullopt;
    auto release = ParseReleaseFile(*signed_text, s.mirror + "/dists/" + s.suite + "/InRelease", error);
    if (!release) return std::nullopt;
    if (release->valid_until && *release->valid_until < std::time(nullptr)) {
      std::string what = s.suite + "'s Release file expired (Valid-Until has passed)";
      if (!offline) {
        *error = what + ": the mirror " + s.mirror + " is out of date, or this machine's clock is wrong";
        return std::nullopt;
      }
      result.notes.push_back(what + "; used anyway because --offline was given");
    }
    for (const auto& component : s.components) {
      std::string base = component + "/binary-" + architecture + "/Packages";
      const char* suffixes[] = {".xz", ".gz", ""};
      bool found = false;
      for (const char* suffix : suffixes) {
        auto it = release->files.find(base + suffix);
        if (it == release->files.end()) continue;
        IndexFile f{i, component, it->first, it->second, download::CachedBlobPath(cache_root, it->second.sha256), "",
                    release->acquire_by_hash};
        f.records = cache_root + "/records/debian/" +
                    download::Sha256Hex(std::string(kConverterVersion) + "\n" + architecture + "\n" + it->second.sha256) +
                    ".jsonl";
        indexes.push_back(std::move(f));
        found = true;
        break;
      }
      if (!found) {
        *error = s.suite + " has no " + base + " index (is '" + component + "' a component of " + s.suite + "?)";
        return std::nullopt;
      }
    }
  }

  // 3. The indexes not already converted, fetched and verified.
  std::vector<download::DownloadRequest> downloads;
  std::vector<size_t> download_of;
  for (size_t k = 0; k < indexes.size(); ++k) {
    const IndexFile& f = indexes[k];
    if (std::filesystem::exists(f.records)) continue;
    const DebianSuite& s = suites[f.suite];
    download::DownloadRequest r;
    // By hash when offered: a mirror in the middle of an update still
    // serves exactly the file the signed Release names.
    std::string dir = f.release_path.substr(0, f.release_path.rfind('/'));
    r.url = s.mirror + "/dists/" + s.suite + "/" +
            (f.by_hash ? dir + "/by-hash/SHA256/" + f.entry.sha256 : f.release_path);
    r.destination = f.blob;
    r.size = f.entry.size;
    r.sha256 = f.entry.sha256;
    r.label = s.suite + "/" + f.release_path;
    downloads.push_back(std::move(r));
    download_of.push_back(k);
  }
  auto got = downloader.Fetch(downloads);
  for (size_t d = 0; d < got.size(); ++d) {
    if (!got[d].ok) {
      *error = got[d].error;
      return std::nullopt;
    }
  }

  // 4. Conversion into record files, one thread per index up to the cores.
  std::vector<std::string> errors(download_of.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t d; (d = next.fetch_add(1)) < download_of.size();) {
      const IndexFile& f = indexes[download_of[d]];
      const DebianSuite& s = suites[f.suite];
      auto text = DecompressFile(f.blob, &errors[d]);
      if (!text) continue;
      std::string name = s.suite + "/" + f.release_path;
      auto records = ConvertDebianPackages(*text, name, architecture, &errors[d]);
      if (!records) continue;
      RecordFile file{{Distro::kDebian, s.suite + "/" + f.component + "/" + architecture}, std::move(*records)};
      download::WriteFileAtomically(f.records, SerializeRecordFile(file), &errors[d]);
    }
  };
  size_t threads = std::min<size_t>(download_of.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (const auto& e : errors) {
    if (!e.empty()) {
      *error = e;
      return std::nullopt;
    }
  }
  for (const auto& f : indexes) {
    result.record_files.push_back(f.records);
    result.base_urls.push_back(suites[f.suite].mirror);
  }
  return result;
}

}  // namespace tinyrange::packages
