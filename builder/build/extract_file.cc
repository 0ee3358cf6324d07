// extract_file: one file out of an archive — ours (archive_format.h) or
// any format libarchive reads.
#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "builder/archive/archive_format.h"
#include "builder/archive/archive_reader.h"
#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"

namespace tinyrange::build {
namespace {

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// "./a/b", "/a/b" and "a/b" name the same member.
std::string NormalizeMember(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  while (!name.empty() && name.front() == '/') name.erase(0, 1);
  while (!name.empty() && name.back() == '/') name.pop_back();
  return name;
}

class ExtractFileDefinition final : public Definition {
 public:
  ExtractFileDefinition(DefinitionPtr archive, std::string path) : archive_(std::move(archive)), path_(std::move(path)) {}
  std::string Kind() const override { return "extract_file"; }
  nlohmann::json Parameters() const override { return {{"path", path_}}; }
  std::vector<DefinitionPtr> Inputs() const override { return {archive_}; }
  std::string Describe() const override { return "extract_file " + path_ + " from " + archive_->Describe(); }

  void Build(BuildContext& ctx) const override {
    if (archive::IsTinyrangeArchive(ctx.input(0))) {
      ExtractFromOurs(ctx);
    } else {
      ExtractWithLibarchive(ctx);
    }
  }

 private:
  void ExtractFromOurs(BuildContext& ctx) const {
    archive::ArchiveReader reader(ctx.input(0));
    while (auto entry = reader.Next()) {
      if (entry->name != path_) continue;
      if (entry->type != archive::EntryType::kFile) {
        throw BuildError(path_ + " in " + archive_->Describe() + " is a " + archive::EntryTypeName(entry->type) +
                         ", not a regular file");
      }
      std::ofstream out(ctx.output(), std::ios::binary);
      char buffer[1 << 16];
      while (size_t n = reader.Read(buffer, sizeof buffer)) out.write(buffer, static_cast<std::streamsize>(n));
      out.close();
      if (!out) throw BuildError("cannot write " + ctx.output());
      return;
    }
    throw BuildError("no file " + path_ + " in " + archive_->Describe());
  }

  void ExtractWithLibarchive(BuildContext& ctx) const {
    std::unique_ptr<struct archive, ArchiveFree> reader(archive_read_new());
    archive_read_support_filter_all(reader.get());
    archive_read_support_format_all(reader.get());
    if (archive_read_open_filename(reader.get(), ctx.input(0).c_str(), 1 << 16) != ARCHIVE_OK) {
      throw BuildError("cannot read " + archive_->Describe() + ": " + archive_error_string(reader.get()));
    }
    struct archive_entry* entry = nullptr;
    for (;;) {
      int rc = archive_read_next_header(reader.get(), &entry);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) {
        throw BuildError("cannot read " + archive_->Describe() + ": " + archive_error_string(reader.get()));
      }
      const char* name = archive_entry_pathname(entry);
      if (!name || NormalizeMember(name) != path_) continue;
      if (archive_entry_filetype(entry) != AE_IFREG) {
        throw BuildError(path_ + " in " + archive_->Describe() + " is not a regular file");
      }
      std::ofstream out(ctx.output(), std::ios::binary);
      char buffer[1 << 16];
      for (;;) {
        la_ssize_t n = archive_read_data(reader.get(), buffer, sizeof buffer);
        if (n < 0) throw BuildError("cannot read " + path_ + " from " + archive_->Describe() + ": " +
                                    archive_error_string(reader.get()));
        if (n == 0) break;
        out.write(buffer, n);
      }
      out.close();
      if (!out) throw BuildError("cannot write " + ctx.output());
      return;
    }
    throw BuildError("no file " + path_ + " in " + archive_->Describe());
  }

  DefinitionPtr archive_;
  std::string path_;
};

}  // namespace

DefinitionPtr ExtractFile(DefinitionPtr archive, std::string path) {
  if (!archive) throw BuildError("extract_file: no archive");
  std::string normalized = NormalizeMember(path);
  if (normalized.empty()) throw BuildError("extract_file: path '" + path + "' names no file");
  return std::make_shared<ExtractFileDefinition>(std::move(archive), normalized);
}

}  // namespace tinyrange::build
