#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace tinyrange::testing {

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_data,
                         std::chrono::milliseconds timeout, std::chrono::milliseconds signal_after) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    throw std::runtime_error("pipe failed");
  }
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);

  ProcessResult result;
  size_t written = 0;
  if (stdin_data.empty()) {
    close(in[1]);
    in[1] = -1;
  }
  bool out_open = true, err_open = true;
  auto deadline = start + timeout;
  bool signalled = signal_after.count() == 0;
  while (out_open || err_open) {
    auto now = std::chrono::steady_clock::now();
    if (!signalled && now >= start + signal_after) {
      kill(pid, SIGTERM);
      signalled = true;
    }
    if (now >= deadline) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    auto wake = signalled ? deadline : std::min(deadline, start + signal_after);
    int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count()) + 1;
    pollfd fds[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                     {err_open ? err[0] : -1, POLLIN, 0},
                     {in[1], POLLOUT, 0}};
    if (poll(fds, 3, wait_ms) < 0 && errno != EINTR) break;
    char buf[4096];
    if (fds[0].revents) {
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n > 0) result.out.append(buf, static_cast<size_t>(n)); else out_open = false;
    }
    if (fds[1].revents) {
      ssize_t n = read(err[0], buf, sizeof buf);
      if (n > 0) result.err.append(buf, static_cast<size_t>(n)); else err_open = false;
    }
    if (in[1] >= 0 && fds[2].revents) {
      ssize_t n = write(in[1], stdin_data.data() + written, stdin_data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN) written = stdin_data.size();
      if (written == stdin_data.size()) {
        close(in[1]);
        in[1] = -1;
      }
    }
  }
  if (in[1] >= 0) close(in[1]);
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return result;
}

}  // namespace tinyrange::testing
