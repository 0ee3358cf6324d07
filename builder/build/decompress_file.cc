// decompress_file: streams a file through libarchive's raw reader, which
// undoes any compression it recognises and passes other data through.
#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <memory>

#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"

namespace tinyrange::build {
namespace {

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

class DecompressFileDefinition final : public Definition {
 public:
  explicit DecompressFileDefinition(DefinitionPtr input) : input_(std::move(input)) {}
  std::string Kind() const override { return "decompress_file"; }
  nlohmann::json Parameters() const override { return nlohmann::json::object(); }
  std::vector<DefinitionPtr> Inputs() const override { return {input_}; }
  std::string Describe() const override { return "decompress_file of " + input_->Describe(); }

  void Build(BuildContext& ctx) const override {
    std::unique_ptr<struct archive, ArchiveFree> reader(archive_read_new());
    archive_read_support_filter_all(reader.get());
    archive_read_support_format_raw(reader.get());
    if (archive_read_open_filename(reader.get(), ctx.input(0).c_str(), 1 << 16) != ARCHIVE_OK) {
      throw BuildError("cannot read " + ctx.input(0) + ": " + archive_error_string(reader.get()));
    }
    struct archive_entry* entry = nullptr;
    if (archive_read_next_header(reader.get(), &entry) != ARCHIVE_OK) {
      throw BuildError("cannot decompress " + input_->Describe() + ": " + archive_error_string(reader.get()));
    }
    std::unique_ptr<FILE, FileClose> out(std::fopen(ctx.output().c_str(), "wb"));
    if (!out) throw BuildError("cannot create " + ctx.output());
    char buffer[1 << 16];
    for (;;) {
      la_ssize_t n = archive_read_data(reader.get(), buffer, sizeof buffer);
      if (n < 0) throw BuildError("cannot decompress " + input_->Describe() + ": " + archive_error_string(reader.get()));
      if (n == 0) break;
      if (std::fwrite(buffer, 1, static_cast<size_t>(n), out.get()) != static_cast<size_t>(n)) {
        throw BuildError("cannot write " + ctx.output());
      }
    }
    if (std::fclose(out.release()) != 0) throw BuildError("cannot write " + ctx.output());
  }

 private:
  DefinitionPtr input_;
};

}  // namespace

DefinitionPtr DecompressFile(DefinitionPtr input) {
  if (!input) throw BuildError("decompress_file: no input");
  return std::make_shared<DecompressFileDefinition>(std::move(input));
}

}  // namespace tinyrange::build
