// guest-init: PID 1 of a tinyrange guest. It prepares a minimal Linux
// userland (filesystems, console, modules, hostname, loopback), runs the
// one command that the host put in /tinyrange/init.cfg, and hands the
// command's exit status back to the VMM. See init_config.h for the config
// and vmm/devices/control_device_abi.h for the status channel. With an
// archive disk in the config it first builds the root filesystem from the
// archives, switches into it and runs the install steps (archive_boot.h).
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string_view>

#include "guest-init/archive_boot.h"
#include "guest-init/command.h"
#include "guest-init/config_file.h"
#include "guest-init/console.h"
#include "guest-init/control_port.h"
#include "guest-init/init_config.h"
#include "guest-init/log.h"
#include "guest-init/modules.h"
#include "guest-init/mounts.h"
#include "guest-init/network.h"
#include "guest-init/network_setup.h"
#include "guest-init/output_writer.h"
#include "guest-init/block_device_lookup.h"
#include "guest-init/reaper.h"
#include "guest-init/shares.h"
#include "guest-init/shutdown.h"
#include "vmm/devices/control_device_abi.h"

using namespace tinyrange;

namespace {

[[noreturn]] void FailInit() { Shutdown(control::kExitInitFailure); }

}  // namespace

int main() {
  // Outside a guest this program would kill every process it can see and
  // power the machine off; refuse before touching anything.
  if (getpid() != 1) {
    LogError("refusing to run", "not process 1 (this is the init of a tinyrange guest)");
    return static_cast<int>(control::kExitInitFailure);
  }
  OpenControlPort();
  WriteBootMark(control::kBootMarkInitStarted);
  umask(022);

  bool mounted = MountEarlyFilesystems();
  // The kernel may have given us /dev/console already, or nothing at all if
  // the initramfs has no /dev/console node; either way use the devtmpfs one.
  int err = OpenConsoleAsStdio(kDefaultConsole.data());
  if (err != 0) LogErrno("open /dev/console", err);
  if (!mounted) FailInit();  // the reason was logged

  char* data = nullptr;
  size_t size = 0;
  err = ReadWholeFile(kInitConfigPath, &data, &size);
  if (err != 0) {
    LogErrno2("read ", kInitConfigPath, err);
    FailInit();
  }
  InitConfigView config;
  InitConfigError parse_error;
  if (!ParseInitConfig(std::string_view(data, size), &config, &parse_error)) {
    char message[200];
    FormatInitConfigError(parse_error, message, sizeof(message));
    LogError(kInitConfigPath, message);
    FailInit();
  }

  // Modules first: the configured console may be a device that one of them
  // provides (virtio_console's hvc0).
  LoadModules(config);
  if (config.console != kDefaultConsole) {
    err = OpenConsoleAsStdio(config.console.data());
    if (err != 0) {
      LogErrno2("open console ", config.console.data(), err);
      FailInit();
    }
  }
  // Our messages and the command's stderr, when the host keeps them apart
  // from its stdout (the command inherits fd 2).
  if (!config.stderr_console.empty()) {
    err = OpenAsStderr(config.stderr_console.data());
    if (err != 0) LogErrno2("open stderr device ", config.stderr_console.data(), err);
  }
  if (config.stdin_port.empty()) {
    // On the host's terminal: its size, from the start.
    if (config.winsize_cols != 0) SetTerminalSize(STDIN_FILENO, config.winsize_cols, config.winsize_rows);
  } else {
    // The host's stdin is a pipe or a file: the command reads it from the
    // input port, which ends where it ends, and writes to terminals that
    // must not change its bytes.
    char message[200];
    if (OpenInputPortAsStdin(config.stdin_port.data(), 3000, message, sizeof message) != 0) {
      LogError("stdin", message);
      FailInit();
    }
    PassBytesUnchanged(STDOUT_FILENO);
    PassBytesUnchanged(STDERR_FILENO);
  }
  if (sethostname(config.hostname.data(), config.hostname.size()) != 0) {
    LogErrno("set hostname", errno);
  }
  err = BringUpLoopback();
  if (err != 0) LogErrno("bring up lo", err);
  if (!config.archives.empty()) {
    // Everything after this happens in the new root, so that the shares
    // land there; the network comes up in it before the install scripts.
    uint32_t status = AssembleNewRoot(config);
    if (status != 0) Shutdown(status);
  } else {
    SetUpNetwork(config);
  }
  MountShares(config);

  pid_t command = StartCommand(config);
  if (command < 0) {
    LogErrno("fork", errno);
    FailInit();
  }
  uint32_t status = WaitForCommand(command);
  TerminateRemainingProcesses();
  if (status == 0 && !config.output.empty()) {
    // A build's result: a failure to hand it back fails the run.
    std::string_view disk_id, path;
    ParseInitOutput(config.output, &disk_id, &path);  // validated with the config
    char id[kMaxDiskIdLength + 1] = {};
    memcpy(id, disk_id.data(), disk_id.size());
    char message[160];
    int disk = OpenDiskBySerial(id, O_RDWR, 2000, message, sizeof message);
    if (disk < 0) {
      LogError("output", message);
      Shutdown(control::kExitInitFailure);
    }
    err = WriteOutputFile(path.data(), disk);
    close(disk);
    if (err != 0) {
      LogErrno("write the output disk", err);
      Shutdown(control::kExitInitFailure);
    }
  }
  Shutdown(status);
}
