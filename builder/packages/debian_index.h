// Debian "Packages" indexes (binary-ARCH/Packages) to package records.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/packages/package_record.h"

namespace tinyrange::packages {

// Converts the paragraphs of a Packages index. Every record must have
// Package, Version, Architecture, Filename, Size and SHA256, with a valid
// version and relationship fields that parse; anything else is an error
// naming `name`, the line and the package. Packages of other architectures
// than `architecture` and "all" are skipped.
std::optional<std::vector<PackageRecord>> ConvertDebianPackages(std::string_view text, const std::string& name,
                                                                const std::string& architecture, std::string* error);

}  // namespace tinyrange::packages
