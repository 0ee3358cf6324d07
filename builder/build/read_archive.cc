// read_archive: an upstream archive (.deb, .apk, tar.*, zip, ...) converted
// into a tinyrange archive (builder/archive/archive_converter.h).
#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "builder/archive/archive_converter.h"
#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"

namespace tinyrange::build {
namespace {

class ReadArchiveDefinition final : public Definition {
 public:
  ReadArchiveDefinition(DefinitionPtr input, archive::SourceKind kind, std::string package, std::string checksum)
      : input_(std::move(input)), kind_(kind), package_(std::move(package)), checksum_(std::move(checksum)) {}

  std::string Kind() const override { return "read_archive"; }
  int Version() const override { return ReadArchiveVersion(); }
  nlohmann::json Parameters() const override {
    nlohmann::json params = {{"format", archive::SourceKindName(kind_)}, {"package", package_}};
    // Only when given, so that unchecked conversions keep their hashes.
    if (!checksum_.empty()) params["checksum"] = checksum_;
    return params;
  }
  std::vector<DefinitionPtr> Inputs() const override { return {input_}; }
  std::string Describe() const override {
    return package_.empty() ? "read_archive of " + input_->Describe() : "read_archive " + package_;
  }

  void Build(BuildContext& ctx) const override {
    archive::ConvertOptions options;
    options.package_name = package_;
    options.kind = kind_;
    if (!checksum_.empty()) options.apk_control_sha1 = ApkChecksumToHex(checksum_);
    try {
      archive::ConvertToArchive(ctx.input(0), ctx.output(), options);
    } catch (const archive::ArchiveError& e) {
      throw BuildError(e.what());
    }
  }

 private:
  DefinitionPtr input_;
  archive::SourceKind kind_;
  std::string package_;
  std::string checksum_;
};

}  // namespace

std::string ApkChecksumToHex(const std::string& checksum) {
  constexpr std::string_view kPrefix = "sha1b64:";
  if (!checksum.starts_with(kPrefix)) return "";
  std::string b64 = checksum.substr(kPrefix.size());
  if (b64.size() != 28 || !b64.ends_with("=") || b64.ends_with("==")) return "";
  unsigned char raw[21];
  if (EVP_DecodeBlock(raw, reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size())) != 21) {
    return "";
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 20; ++i) hex += std::string{kHex[raw[i] >> 4], kHex[raw[i] & 15]};
  return hex;
}

// 2: the archive magic became "TRFRAG01".
int ReadArchiveVersion() { return 2; }

DefinitionPtr ReadArchive(DefinitionPtr input, std::string format, std::string package, std::string checksum) {
  if (!input) throw BuildError("read_archive: no input");
  archive::SourceKind kind;
  if (format == "auto" || format.empty()) {
    kind = archive::SourceKind::kAuto;
  } else if (format == "deb") {
    kind = archive::SourceKind::kDeb;
  } else if (format == "apk") {
    kind = archive::SourceKind::kApk;
  } else if (format == "plain" || format == "tar" || format == "zip") {
    kind = archive::SourceKind::kPlain;
  } else {
    throw BuildError("read_archive: format '" + format + "': expected auto, deb, apk or plain");
  }
  if (!checksum.empty()) {
    std::string what = package.empty() ? "read_archive" : "read_archive " + package;
    if (kind != archive::SourceKind::kApk) {
      throw BuildError(what + ": a checksum is only checked for format \"apk\" (Alpine's C:Q1); other files are " +
                       "verified when they are fetched (fetch_http's sha256)");
    }
    if (ApkChecksumToHex(checksum).empty()) {
      throw BuildError(what + ": checksum '" + checksum +
                       "': expected \"sha1b64:\" and the base64 SHA-1 of the control segment (an APKINDEX C:Q1 "
                       "value without the Q1)");
    }
  }
  return std::make_shared<ReadArchiveDefinition>(std::move(input), kind, std::move(package), std::move(checksum));
}

}  // namespace tinyrange::build
