#include "guest-init/command.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest-init/command_env.h"
#include "guest-init/console.h"
#include "guest-init/control_port.h"
#include "guest-init/exit_status.h"
#include "guest-init/log.h"
#include "guest-init/path_search.h"
#include "guest-init/shares.h"
#include "vmm/devices/control_device_abi.h"

namespace tinyrange {

namespace {

[[noreturn]] void RunChild(const InitConfigView& config, const char** argv, const char** envp,
                           const char** sh_argv) {
  setsid();
  // With an input port the command has no terminal to control.
  if (config.stdin_port.empty()) AttachControllingTerminal(config.console.data());

  // A working directory the root lacks is made, as docker does for its
  // -w: a root of a few packages may have no /root at all.
  if (chdir(config.cwd.data()) != 0 && (errno != ENOENT || MakeDirectories(config.cwd.data()) != 0 ||
                                        chdir(config.cwd.data()) != 0)) {
    LogErrno2("chdir ", config.cwd.data(), errno);
    _exit(control::kExitInitFailure);
  }
  // Port access is needed for the boot mark, which comes after the switch to
  // the command's user; the permission survives setuid, and is dropped
  // again before exec.
  OpenControlPort();
  // Only a change of identity needs the switch (and its setgroups, which
  // would also drop supplementary groups that PID 1 never has); staying root
  // keeps working where setgroups is not allowed, as in a user namespace.
  if (config.uid != getuid() || config.gid != getgid()) {
    if (setgroups(0, nullptr) != 0 || setgid(config.gid) != 0 || setuid(config.uid) != 0) {
      LogErrno("switch to the command's uid/gid", errno);
      _exit(control::kExitInitFailure);
    }
  }

  char path[PATH_MAX];
  int err = FindCommand(argv[0], FindPathInEnv(envp), path, sizeof(path));
  if (err != 0) {
    LogError(argv[0], err == ENOENT ? "command not found" : strerror(err));
    _exit(ExecFailureExitCode(err));
  }

  WriteBootMark(control::kBootMarkCommandStarted);
  CloseControlPort();
  execve(path, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
  err = errno;
  if (err == ENOEXEC) {
    // A script without a #! line: run it with the shell, as execvp does.
    sh_argv[1] = path;
    execve("/bin/sh", const_cast<char* const*>(sh_argv), const_cast<char* const*>(envp));
  }
  if (err == ENOENT && access(path, F_OK) == 0) {
    // The file is there; what is missing is what the kernel needs to run it.
    LogError2(path, "", "cannot run it: its interpreter (#! line or dynamic loader) is missing");
  } else {
    LogErrno(argv[0], err);
  }
  _exit(ExecFailureExitCode(err));
}

}  // namespace

pid_t StartCommand(const InitConfigView& config) {
  // Everything the child needs is allocated before fork, so the child only
  // makes system calls. sh_argv is {"sh", path, argv[1..], nullptr}.
  size_t argc = config.argv_count;
  const char** argv = static_cast<const char**>(malloc((argc + 1) * sizeof(char*)));
  const char** sh_argv = static_cast<const char**>(malloc((argc + 2) * sizeof(char*)));
  const char** envp = static_cast<const char**>(malloc(CommandEnvSlots(config) * sizeof(char*)));
  if (argv == nullptr || sh_argv == nullptr || envp == nullptr) {
    errno = ENOMEM;
    return -1;
  }
  size_t n = 0;
  InitConfigCursor cursor(config);
  InitConfigRecord record;
  while (cursor.Next(&record)) {
    if (record.key == InitConfigKey::kArgv) argv[n++] = record.value.data();
  }
  argv[n] = nullptr;
  sh_argv[0] = "sh";
  for (size_t i = 1; i <= argc; ++i) sh_argv[i + 1] = argv[i];
  BuildCommandEnv(config, envp);

  pid_t pid = fork();
  if (pid == 0) RunChild(config, argv, envp, sh_argv);
  int err = errno;
  free(argv);
  free(sh_argv);
  free(envp);
  errno = err;
  return pid;
}

}  // namespace tinyrange
