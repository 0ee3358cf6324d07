// `tr vm`: boot a kernel in a new VM, optionally running a command under
// guest-init, and exit with the guest's status.
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/command_options.h"
#include "cli/commands.h"
#include "cli/init_archive.h"
#include "vmm/arch/x86_64/host_quirks.h"
#include "vmm/console/stdio_console.h"
#include "vmm/devices/control_device_abi.h"
#include "vmm/machine.h"
#include "vmm/plan/vm_plan.h"
#include "vmm/scoped_fd.h"
#include "vmm/vmm_error.h"

namespace tinyrange::cli {

namespace {

// Arguments every boot gets unless the plan says otherwise: the serial
// console, reboot through the keyboard controller (which ends the VM),
// reboot at once on panic, and no probing of the PS/2 ports we lack.
constexpr const char* kDefaultCmdline = "reboot=k panic=-1 i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd";

struct Options {
  VmPlan plan;
  bool stats = false;
  bool print_plan = false;
  bool verbose_boot = false;
};

// PATH[,ro][,id=NAME]
// HOST_DIR:TAG[,ro]; the tag is what follows the last ':' (host paths may
// hold ':', tags may not).
std::optional<PlanShare> ParseShareSpec(std::string text) {
  PlanShare share;
  if (text.size() > 3 && text.compare(text.size() - 3, 3, ",ro") == 0) {
    share.read_only = true;
    text.resize(text.size() - 3);
  }
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  share.path = text.substr(0, colon);
  share.tag = text.substr(colon + 1);
  return share;
}

std::optional<PlanDisk> ParseDiskSpec(const std::string& text) {
  PlanDisk disk;
  size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (first) {
      if (part.empty()) return std::nullopt;
      disk.path = part;
      first = false;
    } else if (part == "ro") {
      disk.read_only = true;
    } else if (part.rfind("id=", 0) == 0) {
      disk.id = part.substr(3);
    } else if (part == "direct") {
      disk.direct = true;
    } else {
      return std::nullopt;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return disk;
}

std::optional<Options> ParseOptions(int argc, char** argv, int& status) {
  cxxopts::Options spec("tr vm", "Boot a kernel in a new VM.\n\n"
                                  "  tr vm --kernel vmlinux [--initrd rootfs.cpio] [-- COMMAND ARGS...]\n\n"
                                  "With a COMMAND, guest-init runs it as PID 1 and tr exits with its status.\n"
                                  "On a terminal, type Ctrl-A x to end the VM.");
  spec.add_options()
      ("plan", "VM plan (JSON); flags given as well override it", cxxopts::value<std::string>())
      ("kernel", "kernel: bzImage (64-bit boot) or ELF vmlinux with a PVH note", cxxopts::value<std::string>())
      ("initrd", "initrd (cpio) to load; repeat to concatenate", cxxopts::value<std::vector<std::string>>())
      ("append", "extra kernel command-line arguments", cxxopts::value<std::string>())
      ("no-default-cmdline", "do not add the default console/reboot arguments")
      ("cpus", "number of vCPUs", cxxopts::value<uint32_t>())
      ("memory", "guest memory in MiB", cxxopts::value<uint64_t>())
      ("timeout", "end the VM after this many seconds", cxxopts::value<double>())
      ("bzimage-entry", "bzImage entry: auto (PVH after host decompression when possible), linux64, pvh",
       cxxopts::value<std::string>())
      ("console", "console device: serial (ttyS0) or virtio (hvc0, faster)", cxxopts::value<std::string>())
      ("virtio-cmdline", "also announce virtio devices with virtio_mmio.device= (for kernels without ACPI)")
      ("disk", "virtio-blk disk: PATH[,ro][,direct][,id=NAME] (direct: O_DIRECT); repeat for more", cxxopts::value<std::vector<std::string>>())
      ("net", "virtio-net networking: user (no root: DHCP, DNS, outbound TCP/UDP), tap=NAME or stream=PATH; "
              "off unless given", cxxopts::value<std::string>())
      ("publish", "publish a host port to the guest: [ADDR:]HOST_PORT:GUEST_PORT[/udp] (user networking; implies --net user)",
       cxxopts::value<std::vector<std::string>>())
      ("mac", "the guest's MAC address (aa:bb:cc:dd:ee:ff)", cxxopts::value<std::string>())
      ("share", "share a host directory (virtio-fs): HOST_DIR:TAG[,ro]; the guest runs mount -t virtiofs TAG DIR",
       cxxopts::value<std::vector<std::string>>())
      ("init", "guest-init binary (default: the one installed with tr)", cxxopts::value<std::string>())
      ("file", "add a host file to the guest: HOST:GUEST (with a command)", cxxopts::value<std::vector<std::string>>())
      ("env", "environment variable for the command: NAME=VALUE", cxxopts::value<std::vector<std::string>>())
      ("workdir", "working directory of the command in the guest", cxxopts::value<std::string>())
      ("module", "kernel module (path in the guest) for guest-init to load", cxxopts::value<std::vector<std::string>>())
      ("verbose-boot", "show the kernel's boot messages (otherwise 'quiet')")
      ("stats", "print timings and boot markers to stderr when the VM ends")
      ("print-plan", "print the resulting plan as JSON and exit")
      ("h,help", "show this help")
      ("command", "command to run in the guest", cxxopts::value<std::vector<std::string>>());
  spec.parse_positional({"command"});
  spec.positional_help("[-- COMMAND ARGS...]");

  cxxopts::ParseResult args;
  try {
    args = spec.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    std::fprintf(stderr, "tr vm: %s (see tr vm --help)\n", e.what());
    status = kExitUsage;
    return std::nullopt;
  }
  if (args.count("help")) {
    std::printf("%s\n", spec.help().c_str());
    status = 0;
    return std::nullopt;
  }

  Options options;
  VmPlan& plan = options.plan;
  if (args.count("plan")) plan = LoadVmPlan(args["plan"].as<std::string>());
  if (args.count("kernel")) plan.kernel = args["kernel"].as<std::string>();
  if (args.count("initrd")) plan.initrd = args["initrd"].as<std::vector<std::string>>();
  if (args.count("append")) plan.cmdline = args["append"].as<std::string>();
  if (args.count("no-default-cmdline")) plan.default_cmdline = false;
  if (args.count("disk")) {
    for (const auto& spec_text : args["disk"].as<std::vector<std::string>>()) {
      std::optional<PlanDisk> disk = ParseDiskSpec(spec_text);
      if (!disk) {
        std::fprintf(stderr, "tr vm: --disk %s: expected PATH[,ro][,direct][,id=NAME]\n", spec_text.c_str());
        status = kExitUsage;
        return std::nullopt;
      }
      plan.disks.push_back(*disk);
    }
  }
  if (args.count("net") || args.count("publish") || args.count("mac")) {
    if (!plan.net) plan.net = PlanNet{};
    if (args.count("net")) plan.net->backend = args["net"].as<std::string>();
    if (args.count("mac")) plan.net->mac = args["mac"].as<std::string>();
    if (args.count("publish")) {
      for (const auto& p : args["publish"].as<std::vector<std::string>>()) plan.net->publish.push_back(p);
    }
  }
  if (args.count("share")) {
    for (const auto& spec_text : args["share"].as<std::vector<std::string>>()) {
      std::optional<PlanShare> share = ParseShareSpec(spec_text);
      if (!share) {
        std::fprintf(stderr, "tr vm: --share %s: expected HOST_DIR:TAG[,ro]\n", spec_text.c_str());
        status = kExitUsage;
        return std::nullopt;
      }
      plan.shares.push_back(*share);
    }
  }
  if (args.count("console")) plan.console = args["console"].as<std::string>();
  if (args.count("virtio-cmdline")) plan.virtio_on_cmdline = true;
  if (args.count("bzimage-entry")) plan.bzimage_entry = args["bzimage-entry"].as<std::string>();
  if (args.count("cpus")) plan.cpus = args["cpus"].as<uint32_t>();
  if (args.count("memory")) plan.memory_mib = args["memory"].as<uint64_t>();
  if (args.count("timeout")) {
    double seconds = args["timeout"].as<double>();
    if (!(seconds > 0)) {
      std::fprintf(stderr, "tr vm: --timeout must be a positive number of seconds\n");
      status = kExitUsage;
      return std::nullopt;
    }
    plan.timeout_ms = static_cast<uint64_t>(seconds * 1000);
  }
  bool wants_init = args.count("command") || args.count("file") || args.count("env") || args.count("workdir") ||
                    args.count("module") || args.count("init");
  if (wants_init && !plan.init) plan.init = PlanInit{};
  if (plan.init) {
    PlanInit& init = *plan.init;
    if (args.count("command")) init.argv = args["command"].as<std::vector<std::string>>();
    if (args.count("init")) init.binary = args["init"].as<std::string>();
    if (args.count("env")) {
      for (const auto& e : args["env"].as<std::vector<std::string>>()) init.env.push_back(e);
    }
    if (args.count("workdir")) init.cwd = args["workdir"].as<std::string>();
    if (args.count("module")) {
      for (const auto& m : args["module"].as<std::vector<std::string>>()) init.modules.push_back(m);
    }
    if (args.count("file")) {
      for (const auto& spec_text : args["file"].as<std::vector<std::string>>()) {
        auto colon = spec_text.rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == spec_text.size()) {
          std::fprintf(stderr, "tr vm: --file %s: expected HOST:GUEST\n", spec_text.c_str());
          status = kExitUsage;
          return std::nullopt;
        }
        init.files.push_back({spec_text.substr(0, colon), spec_text.substr(colon + 1), std::nullopt});
      }
    }
  }
  // With user networking the addresses are known: guest-init sets up eth0.
  if (plan.init && plan.net && plan.net->backend == "user" && plan.init->network.empty()) {
    plan.init->network = kUserNetworkGuestConfig;
  }
  if (plan.kernel.empty()) {
    std::fprintf(stderr, "tr vm: --kernel (or a plan with \"kernel\") is required (see tr vm --help)\n");
    status = kExitUsage;
    return std::nullopt;
  }
  ValidateVmPlan(plan, args.count("plan") ? args["plan"].as<std::string>() : "");
  options.stats = args.count("stats") > 0;
  options.print_plan = args.count("print-plan") > 0;
  options.verbose_boot = args.count("verbose-boot") > 0;
  return options;
}

std::string BuildCmdline(const Options& options) {
  std::string cmdline;
  if (options.plan.default_cmdline) {
    cmdline = options.plan.console == "virtio" ? "console=hvc0 " : "console=ttyS0 ";
    cmdline += kDefaultCmdline;
    if (!options.verbose_boot) cmdline += " quiet";
    std::string host = x86::HostGuestKernelArguments();
    if (!host.empty()) cmdline += " " + host;
  }
  if (!options.plan.cmdline.empty()) {
    if (!cmdline.empty()) cmdline += ' ';
    cmdline += options.plan.cmdline;
  }
  return cmdline;
}

// Forwards SIGINT, SIGTERM and SIGHUP to the machine as a stop request,
// so the terminal is restored and the exit status is ours.
class SignalWatcher {
 public:
  explicit SignalWatcher(Machine& machine) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
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
          if (read(signal_fd_.get(), &info, sizeof info) == sizeof info) {
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

int ExitCodeFor(const MachineResult& result, bool has_init) {
  const StopEvent& e = result.event;
  switch (e.reason) {
    case StopReason::kExitStatus:
      return e.status > 255 ? 255 : static_cast<int>(e.status);
    case StopReason::kPowerOff:
    case StopReason::kReset:
      if (!has_init) return 0;
      std::fprintf(stderr,
                   "tr vm: the guest ended (%s) without reporting an exit status: guest-init did not finish, "
                   "most likely because the kernel panicked or could not run /init. Run again with "
                   "--verbose-boot to see the kernel's messages.\n",
                   StopReasonName(e.reason));
      return kExitNoStatus;
    case StopReason::kCrash:
      std::fprintf(stderr, "tr vm: %s\n", e.detail.c_str());
      return kExitGuestCrash;
    case StopReason::kTimeout:
      std::fprintf(stderr, "tr vm: %s (--timeout)\n", e.detail.c_str());
      return kExitTimeout;
    case StopReason::kInterrupted:
      std::fprintf(stderr, "tr vm: %s\n", e.detail.c_str());
      return kExitInterrupted;
    case StopReason::kHostError:
      std::fprintf(stderr, "tr vm: %s\n", e.detail.c_str());
      return kExitVmmError;
  }
  return kExitVmmError;
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

}  // namespace

int VmCommand(int argc, char** argv) {
  ProcessStart();  // make sure the clock was read as early as possible
  try {
    int status = 0;
    std::optional<Options> options = ParseOptions(argc, argv, status);
    if (!options) return status;
    const VmPlan& plan = options->plan;
    if (options->print_plan) {
      std::fputs(SerializeVmPlan(plan).c_str(), stdout);
      return 0;
    }

    FdSink console_out(STDOUT_FILENO);
    MachineConfig config;
    config.kernel_path = plan.kernel;
    for (const auto& path : plan.initrd) config.initrd.push_back({path, {}});
    if (plan.init) config.initrd.push_back({"", BuildInitArchive(*plan.init)});
    config.cmdline = BuildCmdline(*options);
    config.cpus = plan.cpus;
    config.memory_mib = plan.memory_mib;
    config.console_output = &console_out;
    config.timeout = std::chrono::milliseconds(plan.timeout_ms);
    config.epoch = ProcessStart();
    config.console = plan.console == "virtio" ? ConsoleDevice::kVirtio : ConsoleDevice::kSerial;
    config.virtio_on_cmdline = plan.virtio_on_cmdline;
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

    Machine machine(std::move(config));
    MachineResult result;
    {
      SignalWatcher signals(machine);
      RawTerminal terminal(STDIN_FILENO);
      ConsoleInputPump input(
          STDIN_FILENO, terminal.active(),
          [&machine](std::span<const uint8_t> bytes) { return machine.SendConsoleInput(bytes); },
          [&machine] { machine.RequestStop(StopReason::kInterrupted, "stopped from the console (Ctrl-A x)"); });
      result = machine.Run();
    }
    if (options->stats) PrintStats(result);
    return ExitCodeFor(result, plan.init.has_value());
  } catch (const VmmError& e) {
    std::fprintf(stderr, "tr vm: %s\n", e.what());
    return kExitVmmError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tr vm: %s\n", e.what());
    return kExitVmmError;
  }
}

}  // namespace tinyrange::cli
