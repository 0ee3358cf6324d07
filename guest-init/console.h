// The console as stdin, stdout and stderr.
#pragma once

#include <stddef.h>

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

// Makes the virtio input port named `name` (vmm/virtio/input_port.h) fd 0,
// waiting up to `timeout_ms` for it to appear. Returns 0, or -1 with
// `error` saying why.
int OpenInputPortAsStdin(const char* name, int timeout_ms, char* error, size_t error_size);

// If `fd` is a terminal, sets it to pass bytes unchanged (no "\r" before
// "\n", no echo, no line editing or signal characters), as a pipe would.
void PassBytesUnchanged(int fd);

// Gives the terminal `fd` the host terminal's size, so that a shell or an
// editor lays out its screen right from the start (no-op if `fd` is not a
// terminal).
void SetTerminalSize(int fd, unsigned short cols, unsigned short rows);

// In the command's child, after setsid(): makes the console its controlling
// terminal so that job control and Ctrl-C work. For /dev/console (see
// active_console.h) the real device behind it is opened as stdio first.
// Best effort: without a terminal the command still runs.
void AttachControllingTerminal(const char* console_path);

}  // namespace tinyrange
