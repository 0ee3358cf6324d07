#include "builder/build/build_fs.h"

#include <fstream>

#include "builder/archive/archive_format.h"
#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"
#include "builder/fs_output/compression.h"
#include "builder/fs_output/ext4_image.h"
#include "builder/fs_output/fs_tree.h"
#include "builder/fs_output/initramfs.h"
#include "builder/fs_output/rootfs_tar.h"

namespace tinyrange::build {
namespace {

class BuildFsDefinition final : public Definition {
 public:
  BuildFsDefinition(FsBuildSpec spec, fs_output::Compression compression)
      : spec_(std::move(spec)), compression_(compression) {}

  std::string Kind() const override { return "build_fs"; }
  nlohmann::json Parameters() const override {
    nlohmann::json directives = nlohmann::json::array();
    for (const FsDirective& d : spec_.directives) {
      if (d.type == FsDirective::Type::kLayer) {
        directives.push_back({{"layer", d.input->Kind()}});
      } else {
        directives.push_back({{"add_file", d.path}, {"mode", d.mode}, {"uid", d.uid}, {"gid", d.gid}});
      }
    }
    nlohmann::json params = {{"kind", spec_.kind},
                             {"compression", fs_output::CompressionName(compression_)},
                             {"directives", directives}};
    if (spec_.size_mb) params["size_mb"] = *spec_.size_mb;
    // SOURCE_DATE_EPOCH changes the bytes, so it is part of the definition.
    if (auto epoch = fs_output::SourceDateEpochFromEnvironment()) params["source_date_epoch"] = *epoch;
    return params;
  }
  std::vector<DefinitionPtr> Inputs() const override {
    std::vector<DefinitionPtr> inputs;
    for (const FsDirective& d : spec_.directives) inputs.push_back(d.input);
    return inputs;
  }
  std::string Describe() const override {
    return "build_fs " + spec_.kind + " (" + std::to_string(spec_.directives.size()) + " directives)";
  }

  void Build(BuildContext& ctx) const override {
    try {
      fs_output::FsTree tree;
      for (size_t i = 0; i < spec_.directives.size(); ++i) {
        const FsDirective& d = spec_.directives[i];
        if (d.type == FsDirective::Type::kAddFile) {
          tree.AddHostFile(d.path, ctx.input(i), fs_output::Metadata(d.mode, d.uid, d.gid, 0));
        } else if (d.input->OutputIsDirectory()) {
          for (const std::string& archive : PlanArchives(ctx.input(i), ctx.options().cache_root)) {
            tree.ApplyArchive(archive);
          }
        } else {
          tree.ApplyArchive(ctx.input(i));
        }
      }
      if (spec_.kind == "tar") {
        fs_output::RootfsTarOptions options;
        options.compression = compression_;
        fs_output::WriteRootfsTar(tree, ctx.output(), options);
      } else if (spec_.kind == "initramfs") {
        fs_output::InitramfsOptions options;
        options.compression = compression_;
        fs_output::WriteInitramfs(tree, ctx.output(), options);
      } else {
        fs_output::Ext4ImageOptions options;
        if (spec_.size_mb) options.size_bytes = static_cast<uint64_t>(*spec_.size_mb) << 20;
        fs_output::WriteExt4Image(tree, ctx.output(), options);
      }
    } catch (const fs_output::FsOutputError& e) {
      throw BuildError(e.what());
    } catch (const archive::ArchiveError& e) {
      throw BuildError(e.what());
    }
  }

 private:
  FsBuildSpec spec_;
  fs_output::Compression compression_;
};

}  // namespace

FsDirective FsDirective::Layer(DefinitionPtr input) {
  FsDirective d;
  d.type = Type::kLayer;
  d.input = std::move(input);
  return d;
}

FsDirective FsDirective::AddFile(std::string path, DefinitionPtr contents, uint32_t mode, uint32_t uid, uint32_t gid) {
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  std::string problem = fs_output::CheckTreePath(path);
  if (!problem.empty()) throw BuildError("directive.add_file: path '" + path + "': " + problem);
  FsDirective d;
  d.type = Type::kAddFile;
  d.input = std::move(contents);
  d.path = std::move(path);
  d.mode = mode;
  d.uid = uid;
  d.gid = gid;
  return d;
}

FsDirective FsDirective::RunCommand(std::string command) {
  if (command.empty()) throw BuildError("directive.run_command: the command is empty");
  FsDirective d;
  d.type = Type::kRunCommand;
  d.command = std::move(command);
  return d;
}

FsDirective FsDirective::Environment(std::vector<std::pair<std::string, std::string>> variables) {
  for (const auto& [name, value] : variables) {
    bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name) valid = valid && (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    if (!valid) throw BuildError("directive.environment: '" + name + "' is not a variable name (letters, digits, _)");
    if (value.find('\0') != std::string::npos) throw BuildError("directive.environment: " + name + " holds a NUL byte");
  }
  FsDirective d;
  d.type = Type::kEnvironment;
  d.variables = std::move(variables);
  return d;
}

FsDirective FsDirective::DefaultInteractive(std::string command) {
  if (command.empty()) throw BuildError("directive.default_interactive: the command is empty");
  FsDirective d;
  d.type = Type::kDefaultInteractive;
  d.command = std::move(command);
  return d;
}

std::string FsDirective::Describe() const {
  switch (type) {
    case Type::kLayer: return "archive " + input->Describe();
    case Type::kAddFile: return "add_file " + path;
    case Type::kRunCommand: return "run_command " + command;
    case Type::kEnvironment: return "environment (" + std::to_string(variables.size()) + " variables)";
    case Type::kDefaultInteractive: return "default_interactive " + command;
  }
  return "?";
}

DefinitionPtr BuildFs(FsBuildSpec spec) {
  for (const FsDirective& d : spec.directives) {
    if (d.type != FsDirective::Type::kLayer && d.type != FsDirective::Type::kAddFile) {
      throw BuildError("define.build_fs: directive " + d.Describe() +
                       " runs in a VM; use define.build_vm for commands, environments and interactive defaults");
    }
  }
  if (spec.kind != "tar" && spec.kind != "initramfs" && spec.kind != "ext4") {
    throw BuildError("define.build_fs: kind '" + spec.kind + "': expected tar, initramfs or ext4");
  }
  std::string compression_name = spec.compression;
  if (compression_name.empty()) compression_name = spec.kind == "initramfs" ? "gzip" : "none";
  auto compression = fs_output::ParseCompression(compression_name);
  if (!compression) {
    throw BuildError("define.build_fs: compression '" + compression_name + "': expected none, gzip, zstd or xz");
  }
  if (spec.kind == "ext4" && *compression != fs_output::Compression::kNone) {
    throw BuildError("define.build_fs: an ext4 image is not compressed; drop compression=");
  }
  if (spec.size_mb && spec.kind != "ext4") throw BuildError("define.build_fs: size_mb applies to kind=\"ext4\" only");
  if (spec.size_mb && (*spec.size_mb < 1 || *spec.size_mb > (1 << 24))) {
    throw BuildError("define.build_fs: size_mb " + std::to_string(*spec.size_mb) + " is out of range (1 to 16777216)");
  }
  if (spec.directives.empty()) throw BuildError("define.build_fs: no directives: give archives, plans or files");
  return std::make_shared<BuildFsDefinition>(std::move(spec), *compression);
}

}  // namespace tinyrange::build
