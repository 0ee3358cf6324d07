#include "vmm/vmm_error.h"

#include <cerrno>
#include <cstring>

namespace tinyrange {

std::string ErrnoMessage(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

void ThrowErrno(const std::string& what) { throw VmmError(ErrnoMessage(what, errno)); }

}  // namespace tinyrange
