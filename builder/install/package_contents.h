// What the installers need from one converted package archive, read in a
// single streaming pass: the package's control files (from
// .tinyrange/packages/DISTRO/NAME/) and the list of everything else it
// puts on disk, in archive order, with the digests the databases record.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/archive/archive_format.h"
#include "builder/install/install_plan.h"

namespace tinyrange::install {

struct ControlFile {
  std::string data;
  uint32_t mode = 0644;
};

struct PackagePath {
  std::string name;  // entry name (relative, no leading '/')
  archive::EntryType type = archive::EntryType::kFile;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string link;    // symlink target / hard-link target name
  std::string sha1;    // raw SHA-1 (ReadOptions::sha1_files): file content, symlink target
  std::string md5hex;  // lower-case hex MD5 of a regular file listed in the control "conffiles"
};

struct ReadOptions {
  std::string distro;  // "debian" or "alpine"
  bool sha1_files = false;
  // Hash (MD5) the regular files that the package's control file
  // "conffiles" lists: dpkg records the installed conffiles' digests.
  bool md5_conffiles = false;
};

struct PackageContents {
  std::string metadata_dir;                    // ".tinyrange/packages/DISTRO/NAME"
  std::map<std::string, ControlFile> control;  // by file name ("control", ".PKGINFO", ...)
  std::vector<PackagePath> paths;              // first occurrence of each name, archive order
};

// Reads `package.archive_path`. Throws InstallError naming the package and
// the archive (for archive errors too, and when the archive has no
// metadata directory for the package).
PackageContents ReadPackageContents(const PlannedArchive& package, const ReadOptions& options);

// "PKG: " + what + " (FILE in ARCHIVE)": the common shape of the
// installers' errors.
std::string PackageMessage(const PlannedArchive& package, const std::string& what, const std::string& file);

// The non-comment, non-blank lines of a control file, trimmed.
std::vector<std::string> ControlLines(const std::string& text);

}  // namespace tinyrange::install
