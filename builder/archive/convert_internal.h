// The per-source converters behind ConvertToArchive (internal to
// builder/archive).
#pragma once

#include <filesystem>
#include <string>

#include "builder/archive/archive_converter.h"
#include "builder/archive/entry_sink.h"

namespace tinyrange::archive::internal {

struct ConvertJob {
  std::filesystem::path input;
  ConvertOptions options;
  EntrySink* sink;
  std::string package_name;  // set by the deb and apk converters
};

void ConvertPlain(ConvertJob& job);
void ConvertDeb(ConvertJob& job);
void ConvertApk(ConvertJob& job);

// Throws unless `name` can be a directory name under
// .tinyrange/packages/DISTRO/: one valid, non-hidden path component.
void CheckPackageName(const std::string& name, const std::string& label);

// The label errors start with: the package and the input file.
std::string PackageLabel(const std::string& package, const std::filesystem::path& input);

}  // namespace tinyrange::archive::internal
