// guest-init's messages on the console: "guest-init: <what>: <why>". Plain
// write(2) on fd 2, no stdio buffering, so a message is out before a crash
// or a power-off.
#pragma once

namespace tinyrange {

// Writes "guest-init: <what>: <why>\n" to stderr.
void LogError(const char* what, const char* why);

// LogError(what, strerror(err)).
void LogErrno(const char* what, int err);

// "guest-init: <what1><what2>: <why>" for messages about a named thing
// ("load module ", path) without a formatting buffer.
void LogError2(const char* what1, const char* what2, const char* why);

// LogError2(what1, what2, strerror(err)).
void LogErrno2(const char* what1, const char* what2, int err);

}  // namespace tinyrange
