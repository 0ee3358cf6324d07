// A file whose contents are given in the definition (from a script).
#include <fstream>

#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"
#include "builder/download/sha256.h"

namespace tinyrange::build {
namespace {

class FileContentsDefinition final : public Definition {
 public:
  explicit FileContentsDefinition(std::string contents) : contents_(std::move(contents)) {}
  std::string Kind() const override { return "file_contents"; }
  nlohmann::json Parameters() const override {
    // The digest stands for the bytes: it is all the hash needs, and
    // contents that are not UTF-8 cannot go into JSON text anyway.
    return {{"sha256", download::Sha256Hex(contents_)}, {"size", contents_.size()}};
  }
  std::string Describe() const override { return "file_contents (" + std::to_string(contents_.size()) + " bytes)"; }
  void Build(BuildContext& ctx) const override {
    std::ofstream out(ctx.output(), std::ios::binary);
    out.write(contents_.data(), static_cast<std::streamsize>(contents_.size()));
    out.close();
    if (!out) throw BuildError("cannot write " + ctx.output());
  }

 private:
  std::string contents_;
};

}  // namespace

DefinitionPtr FileContents(std::string contents) { return std::make_shared<FileContentsDefinition>(std::move(contents)); }

}  // namespace tinyrange::build
