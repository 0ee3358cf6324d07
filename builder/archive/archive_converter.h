// Converts upstream archives (Debian .deb, Alpine .apk, and plain tar, zip,
// cpio, ... read with libarchive) into tinyrange archives.
//
// The conversion is deterministic: the output depends only on the input's
// bytes (entries in source order, source mtimes, numeric owners). It is
// also the place where untrusted package contents are checked, so that
// unpacking an archive can never write outside its root:
//   - absolute names and '..' components are rejected (after "./" and
//     empty or "." components are dropped; the root entry "." itself is
//     skipped);
//   - a symlink whose relative target climbs above the root from the
//     symlink's directory is rejected (an absolute target is read as
//     relative to the root, so it is fine);
//   - an entry whose path goes through an earlier symlink of the archive,
//     or that replaces an earlier symlink, is rejected;
//   - a hard link must name an earlier regular file by a safe path;
//   - names under ".tinyrange/" are reserved for package metadata.
// An .apk's integrity is checked first: its data segment against its
// .PKGINFO's datahash, and its control segment against the index's
// checksum when one is given (ConvertOptions::apk_control_sha1).
// Every error is an ArchiveError naming the package (or input file) and the
// entry, and leaves no output file behind: the archive is written beside the
// output under a temporary name and renamed into place when complete.
//
// Package metadata goes under .tinyrange/packages/:
//   .deb: the members of control.tar (control, md5sums, conffiles,
//         maintainer scripts, ...) as .tinyrange/packages/debian/PKG/MEMBER;
//         data.tar's entries keep their paths.
//   .apk: the dot-files of the control segment (.PKGINFO, .post-install,
//         ...) as .tinyrange/packages/alpine/PKG/NAME; the signature
//         segment's .SIGN.* entries are dropped; data entries keep their
//         paths.
// Directories for those paths are added (mode 0755, root, mtime 0) before
// the first metadata entry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "builder/archive/archive_format.h"

namespace tinyrange::archive {

enum class SourceKind {
  kAuto,   // from the content: ar -> deb; gzip whose first tar entry is
           // .SIGN.* or .PKGINFO (or apk v3 "ADB.") -> apk; else plain
  kPlain,  // tar (optionally gzip/bzip2/xz/lzma/lzip/zstd/compress), zip,
           // cpio, 7z, iso9660, xar
  kDeb,
  kApk,
};

const char* SourceKindName(SourceKind kind);

struct ConvertOptions {
  // Names the package in errors and in the metadata directory. Empty: from
  // the package itself (Package: of a .deb's control file, pkgname of an
  // .apk's .PKGINFO); errors then name the input file.
  std::string package_name;
  SourceKind kind = SourceKind::kAuto;
  // .apk only: the SHA-1 (40 hex digits) that the package's control
  // segment must have, as the gzip member is stored in the file. This is
  // what an APKINDEX's "C:Q1..." records (base64 there), and Alpine's
  // index gives no other hash of the package; the control segment holds
  // .PKGINFO, whose datahash covers the data segment, so a datahash is
  // then required and checked too. Checked before any entry is converted;
  // a mismatch (or an input that is not an .apk) is an ArchiveError naming
  // the package and both checksums. Empty: only a datahash that .PKGINFO
  // gives is checked.
  std::string apk_control_sha1;
};

struct ConvertResult {
  std::string sha256;        // of the output file, lower-case hex
  uint64_t size = 0;         // bytes of the output file
  uint64_t entries = 0;      // entries written, not counting the end entry
  std::string package_name;  // the name used for metadata ("" for plain)
};

// Converts `input` into a tinyrange archive at `output` (replaced if it
// exists). Throws ArchiveError; on any failure `output` is left as it was
// and no temporary file remains.
ConvertResult ConvertToArchive(const std::filesystem::path& input, const std::filesystem::path& output,
                               const ConvertOptions& options);

// Checks an .apk as conversion does (its control member against
// `expected_control_sha1`, 40 hex digits, and its data against .PKGINFO's
// datahash) without converting it, so a download can be refused before it
// is kept. Throws ArchiveError starting with `label`.
void VerifyApkFile(const std::filesystem::path& path, const std::string& expected_control_sha1,
                   const std::string& label);

// What kAuto would choose for `input`. Throws ArchiveError if it cannot be
// read.
SourceKind DetectSourceKind(const std::filesystem::path& input);

}  // namespace tinyrange::archive
