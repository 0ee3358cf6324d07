#include "guest-init/modules.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest-init/log.h"

namespace tinyrange {

namespace {

bool LoadModule(const char* path, const char* params) {
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
