#include "guest-init/modules.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest-init/log.h"
#include "guest-init/module_cmdline.h"

namespace tinyrange {

namespace {

// The kernel command line, read once; empty if it cannot be read. (A
// /proc file has no size to stat, so it is read to its end.)
std::string_view KernelCommandLine() {
  static char buffer[4096];  // x86 allows 2048 bytes
  static ssize_t length = -1;
  if (length < 0) {
    length = 0;
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      LogErrno("open /proc/cmdline (module parameters given there are not used)", errno);
      return {};
    }
    for (;;) {
      ssize_t n = read(fd, buffer + length, sizeof(buffer) - static_cast<size_t>(length));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      length += n;
    }
    close(fd);
  }
  return std::string_view(buffer, static_cast<size_t>(length));
}

bool LoadModule(const char* path, const char* given_params) {
  // Room for the config's parameters and a whole x86 command line.
  static char params[16384];
  if (!ModuleParamsWithCommandLine(ModuleNameOfFile(path), given_params, KernelCommandLine(),
                                   params, sizeof(params))) {
    LogError2("load module ", path, "its parameters are too long; some were left out");
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    LogErrno2("open module ", path, errno);
    return false;
  }
  // glibc has no wrapper for finit_module.
  long rc = syscall(SYS_finit_module, fd, params, 0);
  int err = errno;
  close(fd);
  if (rc != 0 && err != EEXIST) {
    if (err == ENOENT) {
      // The file is open, so ENOENT is the kernel's answer for symbols it
      // cannot resolve: strerror alone would send the reader looking for a
      // missing file.
      LogError2("load module ", path,
                "unknown symbols (load the modules it depends on before it)");
    } else {
      LogErrno2("load module ", path, err);
    }
    return false;
  }
  return true;
}

}  // namespace

int LoadModules(const InitConfigView& config) {
  int failures = 0;
  // A module's parameters come in the record after it, so each module is
  // loaded when the next record (or the end) shows whether it has any.
  const char* pending = nullptr;
  InitConfigCursor cursor(config);
  InitConfigRecord record;
  while (cursor.Next(&record)) {
    if (record.key == InitConfigKey::kModuleParams) {
      if (!LoadModule(pending, record.value.data())) ++failures;
      pending = nullptr;
      continue;
    }
    if (pending != nullptr) {
      if (!LoadModule(pending, "")) ++failures;
      pending = nullptr;
    }
    if (record.key == InitConfigKey::kModule) pending = record.value.data();
  }
  if (pending != nullptr && !LoadModule(pending, "")) ++failures;
  return failures;
}

}  // namespace tinyrange
