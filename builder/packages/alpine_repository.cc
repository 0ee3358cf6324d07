#include "builder/packages/alpine_repository.h"

#include <filesystem>

#include "builder/download/cache_file.h"
#include "builder/download/sha256.h"
#include "builder/packages/alpine_index.h"
#include "builder/packages/alpine_signature.h"
#include "builder/packages/package_record.h"

namespace tinyrange::packages {
namespace {

// Bumped when the conversion changes, so old record files are not reused.
constexpr const char* kConverterVersion = "alpine-records-1";

}  // namespace

std::optional<AlpineIndexes> UpdateAlpineIndexes(const std::vector<AlpineRepository>& repos,
                                                 const std::string& architecture, const std::string& keys_dir,
                                                 const std::string& cache_root, download::Downloader& downloader,
                                                 std::string* error) {
  // 1. Every index, fetched afresh (an index changes under the same name).
  std::vector<download::DownloadRequest> requests;
  for (const auto& r : repos) {
    std::string path = r.branch + "/" + r.repo + "/" + architecture + "/APKINDEX.tar.gz";
    download::DownloadRequest q;
    q.url = r.mirror + "/" + path;
    q.destination = cache_root + "/repos/alpine/" + download::CacheSafeName(r.mirror) + "/" + path;
    q.refresh = true;
    q.max_size = 256 << 20;  // the biggest APKINDEX.tar.gz (community) is a few MiB
    q.label = path;
    requests.push_back(std::move(q));
  }
  auto fetched = downloader.Fetch(requests);
  AlpineIndexes result;
  for (size_t i = 0; i < repos.size(); ++i) {
    const AlpineRepository& r = repos[i];
    const std::string name = r.mirror + "/" + requests[i].label;
    if (!fetched[i].ok) {
      *error = "cannot fetch the Alpine index " + name + ": " + fetched[i].error;
      return std::nullopt;
    }
    if (fetched[i].from_cache)
      result.notes.push_back(r.branch + "/" + r.repo + ": the cached index was used (offline)");
    std::string data;
    if (!download::ReadWholeFile(requests[i].destination, &data)) {
      *error = "cannot read " + requests[i].destination;
      return std::nullopt;
    }
    std::string records =
        cache_root + "/records/alpine/" +
        download::Sha256Hex(std::string(kConverterVersion) + "\n" + architecture + "\n" + download::Sha256Hex(data)) +
        ".jsonl";
    result.record_files.push_back(records);
    result.base_urls.push_back(r.mirror + "/" + r.branch + "/" + r.repo + "/" + architecture);
    if (std::filesystem::exists(records)) continue;
    // 2. Not converted yet: verify, then convert.
    auto verified = VerifyApkIndex(data, name, keys_dir, error);
    if (!verified) return std::nullopt;
    auto converted = ConvertApkIndex(verified->apkindex, name + ":APKINDEX", architecture, error);
    if (!converted) return std::nullopt;
    RecordFile file{{Distro::kAlpine, r.branch + "/" + r.repo + "/" + architecture}, std::move(*converted)};
    if (!download::WriteFileAtomically(records, SerializeRecordFile(file), error)) return std::nullopt;
  }
  return result;
}

}  // namespace tinyrange::packages
