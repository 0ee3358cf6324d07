// Reading the init config file into memory.
#pragma once

#include <cstddef>

namespace tinyrange {

// The largest config accepted; a bigger file is a mistake, not a command.
inline constexpr size_t kMaxConfigSize = 16u << 20;

// Reads the whole file at `path` into a malloc'ed buffer (*data, *size).
// The buffer stays allocated for the life of guest-init. Returns 0 or an
// errno value (EFBIG above kMaxConfigSize).
int ReadWholeFile(const char* path, char** data, size_t* size);

}  // namespace tinyrange
