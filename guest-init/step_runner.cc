#include "guest-init/step_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest-init/exit_status.h"

namespace tinyrange {

namespace {

// The length of NAME in "NAME=value".
size_t NameLength(const char* entry) {
  const char* eq = strchr(entry, '=');
  return eq ? static_cast<size_t>(eq - entry) : strlen(entry);
}

void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Appends n bytes (n <= kStepOutputLimit: one read's worth), dropping the
// oldest output to make room.
void Keep(StepResult* result, const char* data, size_t n) {
  size_t room = kStepOutputLimit - result->output_size;
  if (n > room) {
    size_t drop = n - room;
    memmove(result->output, result->output + drop, result->output_size - drop);
    result->output_size -= drop;
    result->output_truncated = true;
  }
  memcpy(result->output + result->output_size, data, n);
  result->output_size += n;
}

[[noreturn]] void RunChild(const char* const* argv, const char* const* envp, const char* cwd,
                           int out_fd, void (*in_child)()) {
  if (in_child != nullptr) in_child();
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) {
    _exit(126);
  }
  if (chdir(cwd) != 0) {
    dprintf(2, "tinyrange: chdir %s: %s\n", cwd, strerror(errno));
    _exit(126);
  }
  execve(argv[0], const_cast<char* const*>(argv), const_cast<char* const*>(envp));
  int err = errno;
  // ENOENT for a script that exists means its "#!" interpreter (or an ELF
  // program's loader) is missing: say so, not just "no such file".
  if (err == ENOENT && access(argv[0], F_OK) == 0) {
    char line[128] = {};
    int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, line, sizeof(line) - 1) : -1;
    if (fd >= 0) close(fd);
    if (n > 2 && line[0] == '#' && line[1] == '!') {
      line[strcspn(line, "\n")] = '\0';
      dprintf(2, "tinyrange: cannot run %s: its interpreter (%s) is not in the root\n", argv[0], line + 2);
    } else {
      dprintf(2, "tinyrange: cannot run %s: a program it needs (its ELF loader?) is not in the root\n", argv[0]);
    }
    _exit(ExecFailureExitCode(err));
  }
  dprintf(2, "tinyrange: cannot run %s: %s\n", argv[0], strerror(err));
  _exit(ExecFailureExitCode(err));
}

}  // namespace

void BuildStepArgv(const InstallStepView& step, const char** argv) {
  size_t n = 0;
  std::string_view records = step.records, key, value;
  while (NextInstallStepRecord(&records, &key, &value)) {
    if (key == "argv") argv[n++] = value.data();
  }
  argv[n] = nullptr;
}

void BuildStepEnv(const InstallStepView& step, const char** envp) {
  size_t n = 0;
  for (const char* base : kStepBaseEnv) envp[n++] = base;
  std::string_view records = step.records, key, value;
  while (NextInstallStepRecord(&records, &key, &value)) {
    if (key != "env") continue;
    size_t name_len = NameLength(value.data());
    size_t i = 0;
    while (i < n &&
           !(NameLength(envp[i]) == name_len && memcmp(envp[i], value.data(), name_len) == 0)) {
      ++i;
    }
    envp[i] = value.data();
    if (i == n) ++n;
  }
  envp[n] = nullptr;
}

bool RunStep(const char* const* argv, const char* const* envp, const char* cwd, StepResult* result,
             void (*in_child)()) {
  result->status = 0;
  result->signal = 0;
  result->output_size = 0;
  result->output_truncated = false;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(fds[0]);
    close(fds[1]);
    errno = err;
    return false;
  }
  if (pid == 0) RunChild(argv, envp, cwd, fds[1], in_child);
  close(fds[1]);

  // Read until the child has exited and the pipe is drained. Not until
  // EOF: a script that starts a daemon leaves the pipe open in it.
  char chunk[16384];
  bool exited = false;
  int wait_status = 0;
  for (;;) {
    struct pollfd p = {fds[0], POLLIN, 0};
    int ready = poll(&p, 1, exited ? 0 : 50);
    if (ready > 0) {
      ssize_t n = read(fds[0], chunk, sizeof(chunk));
      if (n > 0) {
        Keep(result, chunk, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      // EOF (every writer is gone) or an error: nothing more to read.
      if (!exited) {
        while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
        }
      }
      break;
    }
    if (ready < 0 && errno != EINTR) break;
    if (exited) break;  // drained
    pid_t r = waitpid(pid, &wait_status, WNOHANG);
    if (r == pid) exited = true;
  }
  close(fds[0]);
  result->status = ExitStatusFromWait(wait_status);
  if (WIFSIGNALED(wait_status)) result->signal = WTERMSIG(wait_status);
  return true;
}

void FormatStepFailure(std::string_view label, const StepResult& result, char* out, size_t size) {
  int label_len = label.size() > 200 ? 200 : static_cast<int>(label.size());
  if (result.signal != 0) {
    snprintf(out, size, "install script failed: %.*s (killed by signal %d)", label_len,
             label.data(), result.signal);
  } else {
    snprintf(out, size, "install script failed: %.*s (exit status %u)", label_len, label.data(),
             result.status);
  }
}

// 64 KiB of output is too much for PID 1's stack. At namespace scope, not
// function scope: a function-local static would need the C++ runtime's
// initialisation guards, which static guest-init does not link.
namespace {
StepResult step_result;
}  // namespace

StepsOutcome RunInstallSteps(std::string_view steps, const char* cwd, bool ignore_errors,
                             int console_fd, void (*in_child)()) {
  StepsOutcome outcome;
  InstallStepsReader reader(steps);
  InstallStepView step;
  char line[400];
  while (reader.Next(&step)) {
    const char** argv = static_cast<const char**>(malloc(StepArgvSlots(step) * sizeof(char*)));
    const char** envp = static_cast<const char**>(malloc(StepEnvSlots(step) * sizeof(char*)));
    if (argv == nullptr || envp == nullptr) {
      free(argv);
      free(envp);
      dprintf(console_fd, "tinyrange: install steps: out of memory\n");
      outcome.ok = false;
      return outcome;
    }
    BuildStepArgv(step, argv);
    BuildStepEnv(step, envp);
    bool started = RunStep(argv, envp, cwd, &step_result, in_child);
    int err = errno;
    free(argv);
    free(envp);
    ++outcome.steps_run;
    if (!started) {
      dprintf(console_fd, "tinyrange: install script %.*s: cannot start: %s\n",
              static_cast<int>(step.label.size()), step.label.data(), strerror(err));
      outcome.ok = false;
      return outcome;
    }
    if (step_result.status == 0) continue;
    ++outcome.steps_failed;
    FormatStepFailure(step.label, step_result, line, sizeof(line));
    dprintf(console_fd, "tinyrange: %s%s\n", ignore_errors ? "warning: " : "", line);
    if (step_result.output_truncated)
      dprintf(console_fd, "[... output truncated to its last 64 KiB]\n");
    WriteAll(console_fd, step_result.output, step_result.output_size);
    if (step_result.output_size > 0 && step_result.output[step_result.output_size - 1] != '\n') {
      WriteAll(console_fd, "\n", 1);
    }
    if (!ignore_errors) {
      outcome.ok = false;
      return outcome;
    }
  }
  if (reader.failed()) {
    FormatInitConfigError(reader.error(), line, sizeof(line));
    dprintf(console_fd, "tinyrange: %s: %s\n", kInstallStepsPath, line);
    outcome.ok = false;
  }
  return outcome;
}

}  // namespace tinyrange
