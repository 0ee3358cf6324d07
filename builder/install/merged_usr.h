// The merged-/usr layout of a Debian root: /bin, /sbin, /lib and /lib64
// are symlinks into /usr, made before any package is unpacked, as
// debootstrap and mmdebstrap make them for bookworm and later. Packages
// still ship files under /bin; unpacking follows the symlinks (guest-init
// keeps a symlink to a directory where an archive has a directory), so each
// file lands once, under /usr. usrmerge's and usr-is-merged's scripts then
// find the system already merged instead of converting it mid-install.
#pragma once

#include <filesystem>
#include <string>

namespace tinyrange::install {

// The other name of `path` in a merged-/usr root: "/bin/sh" and
// "/usr/bin/sh" are one file (likewise /sbin, /lib, /lib64). "" for a path
// outside those directories. Packages from trixie on ship under /usr, so a
// "#!/bin/sh" is satisfied by a package installing /usr/bin/sh.
std::string MergedUsrAlias(const std::string& path);

// Writes the layout archive for `architecture` (lib64 only where the ABI
// has it: amd64). Returns its SHA-256.
std::string WriteMergedUsrLayout(const std::filesystem::path& path, const std::string& architecture, int64_t mtime);

}  // namespace tinyrange::install
