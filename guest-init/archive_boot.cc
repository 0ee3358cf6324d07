#include "guest-init/archive_boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "guest-init/block_device_lookup.h"
#include "guest-init/control_port.h"
#include "guest-init/disk_size.h"
#include "guest-init/fragment_unpacker.h"
#include "guest-init/install_duty.h"
#include "guest-init/install_steps.h"
#include "guest-init/network_setup.h"
#include "guest-init/log.h"
#include "guest-init/new_root.h"
#include "vmm/devices/control_device_abi.h"

namespace tinyrange {

namespace {

uint32_t Unpack(const InitConfigView& config) {
  char error[600];
  int disk = OpenDiskBySerial(config.archives.data(), O_RDONLY, kDiskWaitMs, error, sizeof(error));
  if (disk < 0) {
    LogError("archive disk", error);
    return control::kExitInstallFailure;
  }
  uint64_t disk_size = 0;
  int err = GetDiskSize(disk, &disk_size);
  if (err != 0) {
    LogErrno2("size of the archive disk ", config.archives.data(), err);
    close(disk);
    return control::kExitInstallFailure;
  }
  if (!MountNewRoot(config.root_disk.data(), error, sizeof(error))) {
    LogError("new root", error);
    close(disk);
    return control::kExitInitFailure;
  }
  int root = open(kNewRootPath, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    LogErrno2("open ", kNewRootPath, errno);
    close(disk);
    return control::kExitInitFailure;
  }
  UnpackOptions options;
  options.privileged = geteuid() == 0;
  UnpackStats stats;
  bool ok = UnpackArchiveDisk(disk, disk_size, root, options, &stats, error, sizeof(error));
  close(root);
  close(disk);
  if (!ok) {
    LogError("unpack archives", error);
    return control::kExitInstallFailure;
  }
  if (stats.skipped_nodes + stats.skipped_owners + stats.skipped_xattrs > 0) {
    snprintf(error, sizeof(error),
             "not running as root: skipped %llu device nodes, %llu owners, %llu attributes",
             static_cast<unsigned long long>(stats.skipped_nodes),
             static_cast<unsigned long long>(stats.skipped_owners),
             static_cast<unsigned long long>(stats.skipped_xattrs));
    LogError("unpack archives", error);
  }
  return 0;
}

// Runs the install steps (if any), with the capture around them when the
// config asks for one. Returns 0 or the VM's exit status.
uint32_t RunSteps(const InitConfigView& config) {
  InstallDutyOptions options;
  options.root = "/";
  options.ignore_script_errors = config.ignore_script_errors;
  options.console_fd = 2;
  options.in_child = CloseControlPort;
  if (!config.capture.empty() && access(kInstallStepsPath, F_OK) == 0) {
    char error[300];
    options.capture_fd =
        OpenDiskBySerial(config.capture.data(), O_RDWR, kDiskWaitMs, error, sizeof(error));
    // Without the capture the boot still works; the host just finds no
    // archive to cache and runs the scripts again next time.
    if (options.capture_fd < 0) LogError("capture disk", error);
  }
  InstallDutyResult result;
  bool ok = RunInstallDuty(options, &result);
  if (options.capture_fd >= 0) close(options.capture_fd);
  return ok ? 0 : control::kExitInstallFailure;
}

}  // namespace

uint32_t AssembleNewRoot(const InitConfigView& config) {
  uint32_t status = Unpack(config);
  if (status != 0) return status;
  WriteBootMark(control::kBootMarkArchivesUnpacked);
  if (!EnterNewRoot()) return control::kExitInitFailure;
  // With user networking the scripts have it too, as on a machine where
  // apt runs them; resolv.conf is written before the snapshot, so the
  // capture does not hold it.
  SetUpNetwork(config);
  status = RunSteps(config);
  if (status != 0) return status;
  WriteBootMark(control::kBootMarkScriptsDone);
  return 0;
}

}  // namespace tinyrange
