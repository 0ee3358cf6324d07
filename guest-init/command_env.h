// The environment of the command: the config's env entries, in order, plus
// a default PATH when the config has none (a command run by name must be
// findable even when the host passes no environment).
#pragma once

#include <cstddef>

#include "guest-init/init_config.h"

namespace tinyrange {

// Number of slots BuildCommandEnv needs, including the closing nullptr.
size_t CommandEnvSlots(const InitConfigView& config);

// Fills `envp` (CommandEnvSlots(config) entries) with pointers into the
// config buffer (and a static default PATH) and a final nullptr.
void BuildCommandEnv(const InitConfigView& config, const char** envp);

// The value of PATH in a nullptr-terminated envp, or nullptr. With repeated
// entries the first wins, as getenv(3) does.
const char* FindPathInEnv(const char* const* envp);

}  // namespace tinyrange
