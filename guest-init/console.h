// The console as stdin, stdout and stderr.
#pragma once

namespace tinyrange {

// Opens `path` and makes it fds 0, 1 and 2 of this process, without making
// it the controlling terminal (PID 1 must not have one: it would receive the
// terminal's signals). A console whose driver is a module that was just
// loaded may take a moment to appear, so a missing device is retried for up
// to a second. Returns 0 or an errno value.
int OpenConsoleAsStdio(const char* path);

// Opens `path` for writing as stderr (fd 2), for guest-init and the
// command. Returns 0 or an errno value.
int OpenAsStderr(const char* path);

// In the command's child, after setsid(): makes the console its controlling
// terminal so that job control and Ctrl-C work. For /dev/console (see
// active_console.h) the real device behind it is opened as stdio first.
// Best effort: without a terminal the command still runs.
void AttachControllingTerminal(const char* console_path);

}  // namespace tinyrange
