#include "vmm/console/stdio_console.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "vmm/vmm_error.h"

namespace tinyrange {

void FdSink::Write(std::span<const uint8_t> bytes) {
  std::lock_guard lock(mu_);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      // A non-blocking stdout that is full: wait rather than drop output.
      pollfd p{fd_, POLLOUT, 0};
      poll(&p, 1, -1);
    } else {
      return;  // the reader went away (EPIPE); the guest keeps running
    }
  }
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (!isatty(fd) || tcgetattr(fd, &saved_) < 0) return;
  termios raw = saved_;
  cfmakeraw(&raw);
  // Keep output post-processing as it was: the guest's tty layer already
  // sends CR LF, and raw mode must not change how our own messages print.
  raw.c_oflag = saved_.c_oflag;
  if (tcsetattr(fd, TCSANOW, &raw) == 0) active_ = true;
}

RawTerminal::~RawTerminal() {
  if (active_) tcsetattr(fd_, TCSANOW, &saved_);
}

ConsoleInputPump::ConsoleInputPump(int fd, bool interactive,
                                   std::function<bool(std::span<const uint8_t>)> deliver,
                                   std::function<void()> on_escape, std::function<void()> on_end)
    : fd_(fd),
      interactive_(interactive),
      deliver_(std::move(deliver)),
      on_escape_(std::move(on_escape)),
      on_end_(std::move(on_end)) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) ThrowErrno("creating the console wake-up pipe");
  wake_read_.Reset(pipe_fds[0]);
  wake_write_.Reset(pipe_fds[1]);
  thread_ = std::thread([this] { Loop(); });
}

ConsoleInputPump::~ConsoleInputPump() {
  char byte = 0;
  while (::write(wake_write_.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  if (thread_.joinable()) thread_.join();
}

void ConsoleInputPump::Loop() {
  std::vector<uint8_t> buffer(4096);
  bool escape_pending = false;
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;  // asked to stop
    if (!fds[0].revents) continue;
    ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {  // end of input: stop reading, say so, leave the VM alone
      if (on_end_) on_end_();
      return;
    }
    std::span<const uint8_t> bytes(buffer.data(), static_cast<size_t>(n));
    if (!interactive_) {
      if (!deliver_(bytes)) return;
      continue;
    }
    // Interactive: look for Ctrl-A x; Ctrl-A Ctrl-A sends one Ctrl-A.
    std::vector<uint8_t> out;
    for (uint8_t b : bytes) {
      if (escape_pending) {
        escape_pending = false;
        if (b == kConsoleEscapeQuit) {
          if (on_escape_) on_escape_();
          return;
        }
        out.push_back(kConsoleEscapePrefix);
        if (b == kConsoleEscapePrefix) continue;
        out.push_back(b);
      } else if (b == kConsoleEscapePrefix) {
        escape_pending = true;
      } else {
        out.push_back(b);
      }
    }
    if (!out.empty() && !deliver_(out)) return;
  }
}

}  // namespace tinyrange
