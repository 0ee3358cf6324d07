// Reading a whole host file (a kernel image) into memory, with errors
// that name the file and what it was for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinyrange {

// Throws VmmError("cannot open <what> <path>: ...") and the like.
std::vector<uint8_t> ReadWholeFile(const std::string& path, const std::string& what);

}  // namespace tinyrange
