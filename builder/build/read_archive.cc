// read_archive: an upstream archive (.deb, .apk, tar.*, zip, ...) converted
// into a tinyrange archive (builder/archive/archive_converter.h).
#include "builder/archive/archive_converter.h"
#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"

namespace tinyrange::build {
namespace {

class ReadArchiveDefinition final : public Definition {
 public:
  ReadArchiveDefinition(DefinitionPtr input, archive::SourceKind kind, std::string package)
      : input_(std::move(input)), kind_(kind), package_(std::move(package)) {}

  std::string Kind() const override { return "read_archive"; }
  nlohmann::json Parameters() const override {
    return {{"format", archive::SourceKindName(kind_)}, {"package", package_}};
  }
  std::vector<DefinitionPtr> Inputs() const override { return {input_}; }
  std::string Describe() const override {
    return package_.empty() ? "read_archive of " + input_->Describe() : "read_archive " + package_;
  }

  void Build(BuildContext& ctx) const override {
    archive::ConvertOptions options;
    options.package_name = package_;
    options.kind = kind_;
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
};

}  // namespace

DefinitionPtr ReadArchive(DefinitionPtr input, std::string format, std::string package) {
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
  return std::make_shared<ReadArchiveDefinition>(std::move(input), kind, std::move(package));
}

}  // namespace tinyrange::build
