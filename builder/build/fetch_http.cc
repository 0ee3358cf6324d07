// fetch_http: a download through the shared downloader (libcurl).
#include <filesystem>

#include "builder/archive/archive_converter.h"
#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"
#include "builder/download/cache_paths.h"
#include "builder/download/downloader.h"

namespace tinyrange::build {
namespace {

class FetchHttpDefinition final : public Definition {
 public:
  FetchHttpDefinition(std::string url, std::string sha256, std::optional<uint64_t> size, std::string apk_control_sha1)
      : url_(std::move(url)), sha256_(std::move(sha256)), size_(size), apk_control_sha1_(std::move(apk_control_sha1)) {}

  std::string Kind() const override { return "fetch_http"; }
  nlohmann::json Parameters() const override {
    nlohmann::json params = {{"url", url_}, {"sha256", sha256_}};
    if (size_) params["size"] = *size_;
    if (!apk_control_sha1_.empty()) params["apk_control_sha1"] = apk_control_sha1_;
    return params;
  }
  bool IoBound() const override { return true; }

  void Build(BuildContext& ctx) const override {
    download::DownloadOptions options;
    options.offline = ctx.options().offline;
    options.progress = ctx.options().progress;
    download::Downloader downloader(options);
    download::DownloadRequest request;
    request.url = url_;
    // Downloaded in the scratch directory: the downloader keeps .part and
    // .lock files beside its destination, which must not end up in the
    // output.
    request.destination = ctx.scratch() + "/download";
    request.sha256 = sha256_;
    request.size = size_;
    download::DownloadResult result = downloader.Fetch({request}).front();
    if (!result.ok) throw BuildError(result.error);
    if (!apk_control_sha1_.empty()) {
      try {
        archive::VerifyApkFile(request.destination, apk_control_sha1_, "the downloaded file");
      } catch (const archive::ArchiveError& e) {
        throw BuildError(e.what());
      }
    }
    std::filesystem::rename(request.destination, ctx.output());
  }

 private:
  std::string url_, sha256_;
  std::optional<uint64_t> size_;
  std::string apk_control_sha1_;
};

}  // namespace

DefinitionPtr FetchHttp(std::string url, std::string sha256, std::optional<uint64_t> size, std::string apk_control_sha1) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0 && url.rfind("file://", 0) != 0) {
    throw BuildError("fetch_http: url '" + url + "' must start with http://, https:// or file://");
  }
  if (!sha256.empty() && !download::IsSha256Hex(sha256)) {
    throw BuildError("fetch_http: sha256 '" + sha256 + "' is not 64 lower-case hex digits");
  }
  if (!apk_control_sha1.empty() && (apk_control_sha1.size() != 40 ||
                                    apk_control_sha1.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    throw BuildError("fetch_http: apk_control_sha1 '" + apk_control_sha1 + "' is not 40 lower-case hex digits");
  }
  return std::make_shared<FetchHttpDefinition>(std::move(url), std::move(sha256), size, std::move(apk_control_sha1));
}

}  // namespace tinyrange::build
