// The host side of the output disk (guest-init/output_format.h): the file
// a VM run handed back, checked as untrusted input and copied out.
#pragma once

#include <string>

namespace tinyrange::build {

// Copies the file on `disk` to `output`. Throws BuildError naming `what`
// (the definition) when the guest wrote no file, a malformed header, or a
// length beyond the disk.
void CopyOutputDisk(const std::string& disk, const std::string& output, const std::string& guest_path,
                    const std::string& what);

}  // namespace tinyrange::build
