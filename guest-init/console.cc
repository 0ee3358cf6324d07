#include "guest-init/console.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <string_view>

#include "guest-init/active_console.h"
#include "guest-init/block_device_lookup.h"
#include "guest-init/init_config.h"

namespace tinyrange {

namespace {

int MakeStdio(int fd) {
  for (int i = 0; i <= 2; ++i) {
    if (fd != i && dup2(fd, i) < 0) return errno;
  }
  if (fd > 2) {
    close(fd);
  } else {
    fcntl(fd, F_SETFD, 0);  // keep it across exec, like the dup2 copies
  }
  return 0;
}

// Makes `fd` descriptor `target`, kept across exec, and closes `fd`.
// Returns 0 or an errno value.
int MoveTo(int fd, int target) {
  if (fd == target) return fcntl(fd, F_SETFD, 0) == 0 ? 0 : errno;
  // dup2 clears close-on-exec on the new descriptor.
  int result = dup2(fd, target) < 0 ? errno : 0;
  close(fd);
  return result;
}

}  // namespace

int OpenConsoleAsStdio(const char* path) {
  for (int attempt = 0;; ++attempt) {
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) return MakeStdio(fd);
    if (errno != ENOENT || attempt == 100) return errno;
    timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
}

int OpenAsStderr(const char* path) {
  int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return errno;
  return MoveTo(fd, STDERR_FILENO);
}

int OpenInputPortAsStdin(const char* name, int timeout_ms, char* error, size_t error_size) {
  int fd = OpenDevice(kVirtioPorts, name, O_RDONLY | O_NOCTTY, timeout_ms, error, error_size);
  if (fd < 0) return -1;
  int err = MoveTo(fd, STDIN_FILENO);
  if (err == 0) return 0;
  snprintf(error, error_size, "make the input port stdin: %s", strerror(err));
  return -1;
}

void PassBytesUnchanged(int fd) {
  termios mode;
  if (!isatty(fd) || tcgetattr(fd, &mode) != 0) return;
  cfmakeraw(&mode);
  tcsetattr(fd, TCSANOW, &mode);
}

void SetTerminalSize(int fd, unsigned short cols, unsigned short rows) {
  if (!isatty(fd)) return;
  winsize size = {};
  size.ws_col = cols;
  size.ws_row = rows;
  ioctl(fd, TIOCSWINSZ, &size);
}

void AttachControllingTerminal(const char* console_path) {
  if (std::string_view(console_path) == kDefaultConsole) {
    int fd = open(kActiveConsoleFile, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      char active[256];
      ssize_t n = read(fd, active, sizeof(active) - 1);
      close(fd);
      char device[300];
      if (n > 0 && DeviceFromActiveConsoles(std::string_view(active, static_cast<size_t>(n)),
                                            device, sizeof(device))) {
        int tty = open(device, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (tty >= 0) MakeStdio(tty);
      }
    }
  }
  if (isatty(0)) ioctl(0, TIOCSCTTY, 0);
}

}  // namespace tinyrange
