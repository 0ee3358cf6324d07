#include "cli/vm_boot.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "sandbox/machine_outcome.h"
#include "vmm/plan/plan_machine.h"
#include "vmm/console/stdio_console.h"
#include "vmm/scoped_fd.h"
#include "vmm/virtio/console.h"

namespace tinyrange::cli {

namespace {

// The size of the terminal on `fd`, if it is one.
std::optional<virtio::VirtioConsole::Size> TerminalSize(int fd) {
  winsize size {};
  if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 || size.ws_row == 0) return std::nullopt;
  return virtio::VirtioConsole::Size{size.ws_col, size.ws_row};
}

// Forwards SIGINT, SIGTERM and SIGHUP to the machine as a stop request,
// so the terminal is restored and the exit status is ours; SIGWINCH, a
// resized terminal, becomes the console's new size.
class SignalWatcher {
 public:
  explicit SignalWatcher(Machine& machine) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &set, &saved_);
    signal_fd_.Reset(signalfd(-1, &set, SFD_CLOEXEC));
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) {
      wake_read_.Reset(fds[0]);
      wake_write_.Reset(fds[1]);
    }
    thread_ = std::thread([this, &machine] {
      for (;;) {
        pollfd p[2] = {{signal_fd_.get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
          if (errno == EINTR) continue;
          return;
        }
        if (p[1].revents) return;
        if (p[0].revents) {
          signalfd_siginfo info;
          if (read(signal_fd_.get(), &info, sizeof info) != sizeof info) continue;
          if (info.ssi_signo == SIGWINCH) {
            if (auto size = TerminalSize(STDIN_FILENO)) machine.SetConsoleSize(size->cols, size->rows);
          } else {
            machine.RequestStop(StopReason::kInterrupted,
                                std::string("stopped by signal ") + strsignal(static_cast<int>(info.ssi_signo)));
          }
        }
      }
    });
  }
  ~SignalWatcher() {
    char b = 0;
    if (write(wake_write_.get(), &b, 1) < 0) {
    }
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }

 private:
  sigset_t saved_;
  ScopedFd signal_fd_, wake_read_, wake_write_;
  std::thread thread_;
};

}  // namespace

MachineResult BootPlan(const VmPlan& plan_in, bool verbose_boot) {
  FdSink console_out(STDOUT_FILENO);
  FdSink serial_out(STDERR_FILENO);
  // A guest on our terminal starts at its size and follows its resizes.
  VmPlan plan = plan_in;
  std::optional<virtio::VirtioConsole::Size> size;
  if (plan.input_port.empty()) size = TerminalSize(STDIN_FILENO);
  if (size && plan.init && plan.init->terminal_cols == 0) {
    plan.init->terminal_cols = size->cols;
    plan.init->terminal_rows = size->rows;
  }
  MachineConfig config = MachineConfigFor(plan, verbose_boot, &console_out, &serial_out);
  if (plan.console != "serial") config.console_size = size;
  config.epoch = ProcessStart();
  Machine machine(std::move(config));
  SignalWatcher signals(machine);
  // With an input port the guest has no terminal: a terminal on our stdin
  // keeps its own line editing, and Ctrl-D ends the input.
  std::optional<RawTerminal> terminal;
  if (plan.input_port.empty()) terminal.emplace(STDIN_FILENO);
  ConsoleInputPump input(
      STDIN_FILENO, terminal && terminal->active(),
      [&machine](std::span<const uint8_t> bytes) { return machine.SendConsoleInput(bytes); },
      [&machine] { machine.RequestStop(StopReason::kInterrupted, "stopped from the console (Ctrl-A x)"); },
      [&machine] { machine.CloseConsoleInput(); });
  return machine.Run();
}

int ExitCodeFor(const MachineResult& result, bool has_init, const char* who) {
  sandbox::ExitStatus status = sandbox::ExitStatusOf(result, has_init);
  if (!status.message.empty()) std::fprintf(stderr, "%s: %s\n", who, status.message.c_str());
  return status.code;
}

void PrintStats(const MachineResult& result) {
  auto ms = [](std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; };
  std::fprintf(stderr, "tr vm: stats: setup %.3f ms, run %.3f ms, end: %s\n", ms(result.timings.setup),
               ms(result.timings.run), StopReasonName(result.event.reason));
  std::fprintf(stderr, "tr vm: stats: vmm resident memory %.2f MiB (excluding guest RAM)\n",
               static_cast<double>(result.vmm_resident_bytes) / (1 << 20));
  for (const auto& mark : result.boot_marks) {
    std::fprintf(stderr, "tr vm: stats: boot mark %u at %.3f ms\n", mark.code, ms(mark.since_start));
  }
}

}  // namespace tinyrange::cli
