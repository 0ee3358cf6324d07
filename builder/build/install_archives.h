// The install archives of a package plan: the package database that makes
// the unpacked packages an installed system (dpkg's status and info files,
// or apk's installed database), and the install steps (the packages'
// scripts in order) that guest-init runs after unpacking. See
// builder/install/.
#pragma once

#include "builder/build/definition.h"

namespace tinyrange::build {

// File names inside the output directory. The layout archive (Debian's
// merged /usr, builder/install/merged_usr.h) is unpacked before the
// packages, the database after them; the steps archive is absent when no
// package has a script to run.
inline constexpr const char* kInstallLayoutArchive = "layout.trfrag";
inline constexpr const char* kInstallDatabaseArchive = "database.trfrag";
inline constexpr const char* kInstallStepsArchive = "steps.trfrag";

// `plan` is a package plan (PackagePlan or a collection's .plan()).
DefinitionPtr InstallArchives(DefinitionPtr plan);

}  // namespace tinyrange::build
