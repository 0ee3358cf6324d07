// The kinds of build definition the build system knows (one .cc each).
// Each factory checks its parameters and throws BuildError with a message
// for the script's author when they are wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "builder/build/definition.h"
#include "builder/build/package_plan.h"

namespace tinyrange::build {

// Downloads `url` (verified against `sha256` and `size` when given). With
// `apk_control_sha1` (40 hex digits: an Alpine index's checksum), the file
// must be that .apk (archive::VerifyApkFile) or it is not kept, so a bad
// download is fetched again next time instead of failing from the cache.
DefinitionPtr FetchHttp(std::string url, std::string sha256 = "", std::optional<uint64_t> size = std::nullopt,
                        std::string apk_control_sha1 = "");

// Converts an upstream archive (a .deb, an .apk, or anything libarchive
// reads: tar.*, zip, cpio) into a tinyrange archive. `format` is "auto",
// "deb", "apk" or "plain"; `package` names the package in errors and in
// the directory its control files go to. `checksum` ("sha1b64:BASE64", as
// an Alpine package record gives it; format "apk" only) is what the
// package's control segment must hash to, checked with the .PKGINFO's
// datahash before anything is converted: Alpine's index has no hash of
// the whole file for fetch_http to check.
DefinitionPtr ReadArchive(DefinitionPtr input, std::string format = "auto", std::string package = "",
                          std::string checksum = "");

// "sha1b64:BASE64" (an APKINDEX C:Q1 checksum as the package records keep
// it) as 40 hex digits; "" if it is not a base64 SHA-1.
std::string ApkChecksumToHex(const std::string& checksum);

// The version of read_archive's output (Definition::Version). Definitions
// that make read_archive definitions while they build (plans) put it in
// their own parameters, so a new archive format reaches their hashes too.
int ReadArchiveVersion();

// Decompresses a file (gzip, xz, bzip2, zstd, lz4; or passes it through).
DefinitionPtr DecompressFile(DefinitionPtr input);

// One file out of an archive (any format libarchive reads, or ours).
DefinitionPtr ExtractFile(DefinitionPtr archive, std::string path);

// A file with the given contents.
DefinitionPtr FileContents(std::string contents);

// A package plan: resolves `request` and builds one tinyrange archive per
// package. The output is a directory with plan.json: the packages in
// installation order, each with the hash of its archive's build entry.
// Resolution happens when the plan is first built; the result is cached
// under the request like any output, so later builds reuse the same
// package versions until the entry is collected or the request changes.
DefinitionPtr PackagePlan(PackageRequest request);

// Reads plan.json of a plan output: the output paths of its archives in
// installation order.
std::vector<std::string> PlanArchives(const std::string& plan_output, const std::string& cache_root);

}  // namespace tinyrange::build
