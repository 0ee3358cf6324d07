// Alpine APKINDEX text (the file inside APKINDEX.tar.gz) to package
// records. The index is blocks of "K:value" lines separated by blank
// lines, one block per package: P name, V version, A architecture,
// S size, I installed size, T description, o origin, D depends,
// p provides, i install_if, k provider priority, C "Q1" + base64 SHA-1
// checksum, and informational fields (U L m t c ...) that are skipped.
//
// Record mapping: depends keeps the D: atoms as written, "!name" conflicts
// included (the planner splits them); provides and install_if keep their
// atoms; checksum becomes "sha1b64:BASE64"; filename is NAME-VERSION.apk
// (relative to the repository's architecture directory); the provider
// priority k: is kept in `priority` as its decimal text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/packages/package_record.h"

namespace tinyrange::packages {

// Every block must have C, P, V, A and S with a valid version, numbers
// that parse and atoms that parse; anything else (or a text cut off
// mid-line) is an error naming `name`, the line and the package. Packages
// of other architectures than `architecture` and "noarch" are skipped.
std::optional<std::vector<PackageRecord>> ConvertApkIndex(std::string_view text, const std::string& name,
                                                          const std::string& architecture, std::string* error);

}  // namespace tinyrange::packages
