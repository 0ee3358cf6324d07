// `tr vm`: boot a kernel in a new VM, optionally running a command under
// guest-init, and exit with the guest's status.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_options.h"
#include "cli/commands.h"
#include "vmm/plan/init_archive.h"
#include "cli/vm_boot.h"
#include "vmm/machine.h"
#include "vmm/plan/vm_plan.h"
#include "vmm/vmm_error.h"

namespace tinyrange::cli {

namespace {

struct Options {
  VmPlan plan;
  bool stats = false;
  bool print_plan = false;
  bool verbose_boot = false;
  std::string write_initrd;
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
      ("console", "console device: serial (ttyS0), virtio (hvc0, faster) or split (hvc0 on stdin/stdout, ttyS0 on stderr)", cxxopts::value<std::string>())
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
      ("write-initrd", "write guest-init's initramfs (cpio: guest-init, its config, the plan's files) to PATH "
                       "and exit, e.g. to boot the plan's command under another VMM", cxxopts::value<std::string>())
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
  if (args.count("write-initrd")) options.write_initrd = args["write-initrd"].as<std::string>();
  options.verbose_boot = args.count("verbose-boot") > 0;
  return options;
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
    if (!options->write_initrd.empty()) {
      if (!plan.init) throw VmmError("--write-initrd: the plan runs no command, so there is no guest-init initramfs");
      std::vector<uint8_t> bytes = BuildInitArchive(*plan.init);
      FILE* out = std::fopen(options->write_initrd.c_str(), "wb");
      bool ok = out && std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
      if (out && std::fclose(out) != 0) ok = false;
      if (!ok) throw VmmError("cannot write " + options->write_initrd);
      return 0;
    }

    MachineResult result = BootPlan(plan, options->verbose_boot);
    if (options->stats) PrintStats(result);
    return ExitCodeFor(result, plan.init.has_value(), "tr vm");
  } catch (const VmmError& e) {
    std::fprintf(stderr, "tr vm: %s\n", e.what());
    return kExitVmmError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tr vm: %s\n", e.what());
    return kExitVmmError;
  }
}

}  // namespace tinyrange::cli
