// build_fs: a filesystem output (root filesystem tarball, initramfs or ext4
// image) from an ordered list of directives: archive layers (a tinyrange
// archive, or every archive of a package plan in installation order) and
// files the build adds. Later directives win (builder/fs_output/fs_tree.h).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "builder/build/definition.h"

namespace tinyrange::build {

struct FsDirective {
  // kRunCommand, kEnvironment and kDefaultInteractive are for VMs
  // (build_vm.h); build_fs refuses them.
  enum class Type { kLayer, kAddFile, kRunCommand, kEnvironment, kDefaultInteractive };
  Type type = Type::kLayer;
  DefinitionPtr input;  // the layer (archive or plan), or the file's contents
  std::string path;     // kAddFile
  uint32_t mode = 0644, uid = 0, gid = 0;
  std::string command;                                        // kRunCommand, kDefaultInteractive
  std::vector<std::pair<std::string, std::string>> variables;  // kEnvironment

  static FsDirective Layer(DefinitionPtr input);
  // Throws BuildError if `path` is not a valid path in the tree.
  static FsDirective AddFile(std::string path, DefinitionPtr contents, uint32_t mode, uint32_t uid, uint32_t gid);
  static FsDirective RunCommand(std::string command);
  // Throws BuildError for a name that is not a shell variable name.
  static FsDirective Environment(std::vector<std::pair<std::string, std::string>> variables);
  static FsDirective DefaultInteractive(std::string command);
  std::string Describe() const;
};

struct FsBuildSpec {
  std::vector<FsDirective> directives;
  std::string kind = "tar";   // tar, initramfs, ext4
  std::string compression;    // tar: none (default), gzip, zstd, xz; initramfs: gzip (default), ...
  std::optional<int64_t> size_mb;  // ext4: image size; default from the contents
};

// Throws BuildError for an unknown kind or compression.
DefinitionPtr BuildFs(FsBuildSpec spec);

}  // namespace tinyrange::build
