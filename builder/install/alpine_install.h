// Installing an Alpine plan without apk on the host: apk's database for
// the plan's packages as one archive, and the packages' install scripts as
// install steps in a second archive, for guest-init to run after it has
// unpacked everything.
//
// The database archive holds:
//   lib/apk/db/installed  one entry per package in plan order, as apk
//                         writes it: C: P: V: A: S: I: T: U: L: o: m: t:
//                         c: k: D: p: i: r: q: from the index and
//                         .PKGINFO, then the files, grouped by directory:
//                         "F:dir" ("M:uid:gid:mode" unless root 0755),
//                         "R:name" ("a:uid:gid:mode" unless root 0644,
//                         "Z:Q1..." the SHA-1 of a file's content or of a
//                         symlink's target); a blank line after each
//   lib/apk/db/triggers   "C-CHECKSUM GLOB..." for packages with a trigger
//   etc/apk/world         the requested names, sorted, one per line
//
// Steps: per package in plan order, ".pre-install VERSION" then
// ".post-install VERSION" run from the package's metadata directory
// (/.tinyrange/packages/alpine/NAME/); then each ".trigger" whose
// .PKGINFO "triggers" globs match the directories of the plan's files, once,
// with those directories as arguments.
//
// Known differences from apk: every package's files are on disk before the
// first pre-install runs; lib/apk/db/scripts.tar is not written, so an
// apk in the VM cannot run these packages' deinstall scripts or fire their
// triggers later; without the index's checksum, C: is the SHA-1 of the
// .PKGINFO (stable and unique, but not the one the index has, so apk
// treats the package as not from a repository); extended attributes are
// not recorded.
#pragma once

#include <vector>

#include "builder/install/install_plan.h"

namespace tinyrange::install {

// Writes options.database_archive and, when there is at least one step,
// options.steps_archive. Throws InstallError naming the package and file.
InstallResult InstallAlpinePackages(const std::vector<PlannedArchive>& packages, const InstallOptions& options);

}  // namespace tinyrange::install
