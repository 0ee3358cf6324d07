// Module parameters from the kernel command line. The kernel applies
// "module.param=value" arguments itself only to drivers built into it; for
// a loadable module, passing them to the module when it is loaded is the
// loader's job (modprobe's, and so ours). This is what lets a kernel with
// virtio_mmio as a module find the devices that a machine without ACPI
// announces as virtio_mmio.device=... arguments.
#pragma once

#include <cstddef>
#include <string_view>

namespace tinyrange {

// The module name of a module file: "/lib/modules/x/virtio_mmio.ko" is
// "virtio_mmio". (Compressed files are decompressed by the host, so only
// ".ko" is stripped.)
std::string_view ModuleNameOfFile(std::string_view path);

// Writes into `out` (NUL-terminated) the parameters to load module
// `module_name` with: `given` (from the init config) followed by every
// "NAME.PARAM[=VALUE]" argument of `cmdline` whose NAME is the module's,
// as "PARAM[=VALUE]". Names match with '-' and '_' taken as the same, as
// the kernel does. Arguments are split at blanks outside double quotes, as
// the kernel splits them; quotes are kept for the module's own parser. The
// arguments after a lone "--" belong to init and are not looked at.
// Returns false, with `out` holding `given` alone (or an empty string if
// even that does not fit), when the result does not fit in `out_size`.
bool ModuleParamsWithCommandLine(std::string_view module_name, std::string_view given,
                                 std::string_view cmdline, char* out, size_t out_size);

}  // namespace tinyrange
