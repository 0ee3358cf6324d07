// What a kernel module says about itself: the "depends=" entry of its
// .modinfo section. Distribution kernel packages ship no modules.dep (depmod
// writes it when the package is installed), so the builder reads the
// dependencies from the modules themselves.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tinyrange::build {

// The module names a module depends on, from its ELF64 .modinfo section
// ("depends=a,b"); empty if it depends on none. Throws BuildError naming
// `what` if the bytes are not a little-endian ELF64 file with a .modinfo
// section inside its bounds.
std::vector<std::string> ModuleDependencies(std::string_view elf, const std::string& what);

}  // namespace tinyrange::build
