// Starting the user's command in a child process.
#pragma once

#include <sys/types.h>

#include "guest-init/init_config.h"

namespace tinyrange {

// Forks the command described by `config`. The child gets its own session
// with the console as controlling terminal, the config's cwd, uid, gid and
// environment, and then execs the command; if any of that fails it prints
// why and exits 125 (setup), 126 (not executable) or 127 (not found).
// Returns the child's pid, or -1 with errno set if fork failed.
pid_t StartCommand(const InitConfigView& config);

}  // namespace tinyrange
