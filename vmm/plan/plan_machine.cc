#include "vmm/plan/plan_machine.h"

#include "vmm/arch/x86_64/host_quirks.h"
#include "vmm/plan/init_archive.h"

namespace tinyrange {

namespace {

// Arguments every boot gets unless the plan says otherwise: the console,
// reboot through the keyboard controller (which ends the VM), reboot at
// once on panic, no probing of the PS/2 ports we lack, and no PCI probing:
// the machine has no PCI.
constexpr const char* kDefaultCmdline =
    "reboot=k panic=-1 pci=off i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd";
// Unless the boot is verbose, the kernel's console shows only critical
// messages. `quiet` alone still shows errors, and a kernel built with PCI
// reports one on every boot of a machine without it ("PCI: Fatal: No config
// space access function found", pci=off or not); what the user should see
// of a working boot is the command's output.
constexpr const char* kQuietCmdline = " quiet loglevel=3";

}  // namespace

std::string KernelCmdlineFor(const VmPlan& plan, bool verbose_boot) {
  std::string cmdline;
  if (plan.default_cmdline) {
    // "split" keeps the kernel's messages on the serial port (stderr).
    cmdline = plan.console == "virtio" ? "console=hvc0 " : "console=ttyS0 ";
    cmdline += kDefaultCmdline;
    if (!verbose_boot) cmdline += kQuietCmdline;
    std::string host = x86::HostGuestKernelArguments();
    if (!host.empty()) cmdline += " " + host;
  }
  if (!plan.cmdline.empty()) {
    if (!cmdline.empty()) cmdline += ' ';
    cmdline += plan.cmdline;
  }
  return cmdline;
}

MachineConfig MachineConfigFor(const VmPlan& plan, bool verbose_boot, ByteSink* console, ByteSink* serial) {
  MachineConfig config;
  config.kernel_path = plan.kernel;
  for (const auto& path : plan.initrd) config.initrd.push_back({path, {}});
  if (plan.init) config.initrd.push_back({"", BuildInitArchive(*plan.init)});
  config.cmdline = KernelCmdlineFor(plan, verbose_boot);
  config.cpus = plan.cpus;
  config.memory_mib = plan.memory_mib;
  config.console_output = console;
  config.timeout = std::chrono::milliseconds(plan.timeout_ms);
  config.console = plan.console == "serial" ? ConsoleDevice::kSerial : ConsoleDevice::kVirtio;
  if (plan.console == "split") config.serial_output = serial;
  config.virtio_on_cmdline = plan.virtio_on_cmdline;
  config.input_port = plan.input_port;
  for (const auto& d : plan.disks) {
    virtio::BlockOptions disk{d.path, d.read_only, d.id, {}, d.direct};
    for (const auto& part : d.parts) disk.archive_parts.push_back({part, {}});
    config.disks.push_back(std::move(disk));
  }
  if (plan.net) config.net = ToNetOptions(*plan.net);
  for (const auto& share : plan.shares) config.shares.push_back({share.path, share.tag, share.read_only});
  config.bzimage_entry = plan.bzimage_entry == "linux64" ? BzImageEntry::kLinux64
                         : plan.bzimage_entry == "pvh"   ? BzImageEntry::kPvh
                                                         : BzImageEntry::kAuto;
  return config;
}

}  // namespace tinyrange
