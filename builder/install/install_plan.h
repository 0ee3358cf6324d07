// What the Debian and Alpine installers take and give back: the plan's
// packages in install order (dependencies first), each already converted
// into a tinyrange archive, and the two archives they write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tinyrange::install {

struct PlannedArchive {
  std::string name;          // the package name (its .tinyrange/packages/DISTRO/<name>/ directory)
  std::string version;       // from the index; the package's own control data wins
  std::string architecture;  // from the index; used when the control data has none
  std::string archive_path;  // the converted package (builder/archive)
  // Alpine only, both optional: the index's "C:" (Q1 + base64 SHA-1 of the
  // .apk's control segment) and "S:" (bytes of the .apk). The converted
  // archive no longer has the .apk's bytes, so only the index knows them.
  std::string checksum;
  uint64_t package_size = 0;
};

struct InstallOptions {
  // Where to write the two archives (replaced atomically if they exist).
  std::filesystem::path database_archive;
  std::filesystem::path steps_archive;
  // mtime of every entry written (SOURCE_DATE_EPOCH when the caller has one).
  int64_t mtime = 0;
  // Debian: dpkg's native architecture (first line of var/lib/dpkg/arch).
  // Empty: the first package's architecture that is not "all".
  std::string native_architecture;
  // Alpine: the packages the user asked for (etc/apk/world).
  std::vector<std::string> requested;
};

struct InstallResult {
  std::string database_sha256;  // lower-case hex of the database archive
  size_t steps = 0;             // install steps written
  // False when there are no steps: then no steps archive is written (a
  // stale file at steps_archive is removed), so the plan can skip it.
  bool steps_written = false;
  std::string steps_sha256;  // when steps_written
};

}  // namespace tinyrange::install
