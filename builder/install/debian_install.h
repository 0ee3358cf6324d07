// Installing a Debian plan without dpkg on the host: the files of dpkg's
// database for the plan's packages (status, info/*.list, maintainer
// scripts, ...) as one archive, and the maintainer-script calls dpkg would
// make for a fresh install (preinst install, postinst configure, pending
// triggers) as install steps in a second archive, for guest-init to run
// after it has unpacked everything.
//
// The database archive holds, under var/lib/dpkg/:
//   status         one stanza per package, sorted by name then
//                  architecture, fields in dpkg's order with
//                  "Status: install ok installed" and a Conffiles field
//   info/P.list    "/." then every path of the package, archive order
//   info/P.*       md5sums, conffiles and the other control files
//                  (maintainer scripts and debconf's config 0755, others
//                  0644); P is "name:arch" for Multi-Arch: same packages
//   triggers/File, triggers/NAME
//                  the trigger interests, so later dpkg runs in the VM
//                  activate them
//   arch, available (empty), and the directories info, updates,
//   triggers, alternatives, parts
//
// Known differences from dpkg: every package's files are on disk before
// the first preinst runs (dpkg runs preinst before unpacking); and
// triggers are run once at the end for activations that can be seen in
// the packages (triggers files and file-trigger paths), not for those
// that maintainer scripts raise with dpkg-trigger.
#pragma once

#include <vector>

#include "builder/install/install_plan.h"
#include "builder/install/install_steps_writer.h"

namespace tinyrange::install {

// Writes options.database_archive and, when there is at least one step,
// options.steps_archive. Throws InstallError naming the package and file.
InstallResult InstallDebianPackages(const std::vector<PlannedArchive>& packages, const InstallOptions& options);

}  // namespace tinyrange::install
