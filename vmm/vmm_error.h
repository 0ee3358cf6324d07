// The error type of the VMM library. Host-side failures (bad kernel image,
// KVM refusing an ioctl, a malformed plan) are reported by throwing VmmError
// with a message that says what failed and, where it helps, what to do.
// Guest misbehaviour is never a VmmError: devices absorb it.
#pragma once

#include <stdexcept>
#include <string>

namespace tinyrange {

class VmmError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Formats "what: strerror(errno)" for a failed system call.
std::string ErrnoMessage(const std::string& what, int err);

// Throws VmmError(ErrnoMessage(what, errno)).
[[noreturn]] void ThrowErrno(const std::string& what);

}  // namespace tinyrange
