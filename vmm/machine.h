// A complete x86_64 virtual machine: KVM VM, guest memory, vCPU threads,
// the legacy devices, ACPI tables and a booted kernel. This is the VMM's
// library entry point: construct it from a MachineConfig, call Run().
// It never exits the process, installs no signal handler other than the
// no-op one for its vCPU kick signal, and several may run per process.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vmm/arch/x86_64/boot_loader.h"
#include "vmm/devices/byte_sink.h"
#include "vmm/devices/control_device.h"
#include "vmm/stop_controller.h"
#include "vmm/virtio/block.h"
#include "vmm/virtio/console.h"
#include "vmm/virtio/fs/virtio_fs.h"
#include "vmm/virtio/net/net_options.h"

namespace tinyrange {

class Serial8250;

// How a bzImage is entered.
enum class BzImageEntry {
  kAuto,     // decompress its payload on the host (cached) and enter the
             // vmlinux through PVH when it has a PVH note; else kLinux64
  kLinux64,  // the 64-bit boot protocol; the kernel decompresses itself
  kPvh,      // like kAuto, but an error if PVH is not possible
};

// Which device carries the guest console (host stdin/stdout).
enum class ConsoleDevice {
  kSerial,  // COM1, console=ttyS0: one VM exit per byte
  kVirtio,  // virtio-console in virtio slot 0, console=hvc0: buffers per exit
};

struct MachineConfig {
  std::string kernel_path;
  std::vector<x86::InitrdPart> initrd;
  std::string cmdline;
  uint32_t cpus = 1;
  uint64_t memory_mib = 256;
  // Where the console's output goes; must outlive the machine.
  ByteSink* console_output = nullptr;
  // Where the serial port's output goes when it differs from the console's
  // (with kVirtio: the kernel's and guest-init's messages and a command's
  // stderr, kept apart from its stdout). Null: console_output.
  ByteSink* serial_output = nullptr;
  // 0 means no limit.
  std::chrono::milliseconds timeout{0};
  std::string kvm_path = "/dev/kvm";
  BzImageEntry bzimage_entry = BzImageEntry::kAuto;
  // Where decompressed kernels are cached (default: the tinyrange cache).
  std::string vmlinux_cache_dir;
  // virtio-blk disks, in slot order (slot i at kVirtioMmioBase + i * 4 KiB),
  // announced to the guest through the ACPI DSDT.
  std::vector<virtio::BlockOptions> disks;
  // A virtio-net device, after the disks; none when unset (a sandbox has
  // no network unless asked).
  std::optional<virtio::NetOptions> net;
  // virtio-fs shares of host directories, after the network device.
  std::vector<virtio::FsShareOptions> shares;
  // The serial port exists either way; with kVirtio, console input goes to
  // the virtio-console and both devices' output reaches console_output.
  ConsoleDevice console = ConsoleDevice::kSerial;
  // With the virtio console: the host terminal's size, reported to the
  // guest (VIRTIO_CONSOLE_F_SIZE) and updated with SetConsoleSize().
  std::optional<virtio::VirtioConsole::Size> console_size;
  // Non-empty: a virtio input port with this name (vmm/virtio/input_port.h)
  // right after the console, which takes the host's input instead of the
  // console so that the guest sees it end.
  std::string input_port;
  // Also announce the virtio devices on the kernel command line
  // (virtio_mmio.device=4K@BASE:GSI), for kernels booted without ACPI;
  // kernels with ACPI find them in the DSDT and would see them twice.
  bool virtio_on_cmdline = false;
  // Boot markers are timed from here; the CLI passes its process start so
  // that benchmarks see the whole VMM overhead. Default: Machine creation.
  std::optional<std::chrono::steady_clock::time_point> epoch;
};

struct MachineTimings {
  std::chrono::nanoseconds setup{0};  // process-side setup until the vCPUs start
  std::chrono::nanoseconds run{0};    // vCPUs started until the VM stopped
};

struct MachineResult {
  StopEvent event;
  std::vector<BootMark> boot_marks;
  MachineTimings timings;
  // Resident memory of this process outside guest RAM when the VM ended:
  // the VMM's own footprint (0 if /proc could not be read).
  uint64_t vmm_resident_bytes = 0;
};

class Machine {
 public:
  // Creates the VM and loads the kernel. Throws VmmError on any failure.
  explicit Machine(MachineConfig config);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Runs the VM to its end. Call once.
  MachineResult Run();

  // Feeds host input to the console, or to the input port when there is
  // one (blocking while the guest has not consumed earlier input). Returns
  // false once the input cannot reach the guest any more (the VM stopped,
  // or the guest closed the input port): stop reading.
  bool SendConsoleInput(std::span<const uint8_t> bytes);
  // The host input ended. With an input port the guest reads end of file
  // after the bytes sent before; a terminal console has no end, so without
  // one this does nothing.
  void CloseConsoleInput();
  // The host terminal was resized (with a console_size at creation).
  void SetConsoleSize(uint16_t cols, uint16_t rows);

  // Asks the VM to stop from another thread; Run() then returns `reason`.
  void RequestStop(StopReason reason, std::string detail);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinyrange
