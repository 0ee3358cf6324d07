// The VM plan: the stable, versioned JSON description of one VM run, and
// the only interface between the builder and the VMM. `tr vm --plan` and
// the library take the same plan; command-line flags are a front end to it.
//
// Version 1:
// {
//   "version": 1,                      required
//   "kernel": "PATH",                  required: bzImage or ELF with a PVH note
//   "initrd": ["PATH", ...],           optional: cpio archives, unpacked in order
//   "cmdline": "ARGS",                 optional: appended to the default command line
//   "default_cmdline": true,           optional: false drops the default arguments
//   "cpus": 1,                         optional: 1..254
//   "memory_mib": 256,                 optional: 16..1048576
//   "timeout_ms": 0,                   optional: 0 = none
//   "bzimage_entry": "auto",           optional: auto | linux64 | pvh (docs/vm.md)
//   "console": "serial",               optional: serial (ttyS0) | virtio (hvc0) |
//                                      split: the kernel's console on ttyS0 and
//                                      the host's stderr, a virtio-console (hvc0)
//                                      on the host's stdin and stdout, so a
//                                      command's stdout and stderr stay apart
//   "input_port": "NAME",              optional: a virtio input port (a multiport
//                                      virtio-console, /dev/vportNp0 in the guest
//                                      with this name in sysfs) that takes the
//                                      host's stdin instead of the console and
//                                      reads end of file where the input ends
//   "virtio_on_cmdline": false,        optional: also virtio_mmio.device= arguments
//   "disks": [{"path": "PATH", "read_only": false, "id": "NAME", "direct": false}, ...],
//                                      optional: virtio-blk disks, in slot order;
//                                      {"parts": ["PATH", ...], "id": ...} instead of
//                                      "path" assembles a read-only archive disk
//   "net": {"backend": "user", "mac": "02:74:72:00:00:01", "publish": ["8080:80", ...]},
//                                      optional: a virtio-net device; backend is
//                                      user (libslirp), tap=NAME or stream=PATH
//   "shares": [{"path": "DIR", "tag": "TAG", "read_only": false}, ...],
//                                      optional: virtio-fs shares of host directories
//   "init": {                          optional: run guest-init as PID 1
//     "binary": "PATH",                optional: default is guest-init next to tr
//     "argv": ["CMD", "ARG", ...],     required when "init" is present
//     "env": ["K=V", ...], "cwd": "/", "hostname": "tinyrange",
//     "uid": 0, "gid": 0,
//     "modules": ["PATH-IN-GUEST", ...],
//     "files": [{"host": "PATH", "guest": "PATH", "mode": 493}, ...],
//     "network": "IFACE ADDRESS/PREFIX GATEWAY DNS"
//                                      optional: an interface for guest-init to set
//                                      up (default with user networking:
//                                      "eth0 10.0.2.15/24 10.0.2.2 10.0.2.3")
//     "archives_disk": "ID",           optional: the id of an archive disk whose
//                                      archives guest-init unpacks into a new
//                                      root (tmpfs), runs the install steps
//                                      found there, and runs the command in it
//     "capture_disk": "ID",            optional (with archives_disk): a writable
//                                      disk for the install steps' changes
//                                      (guest-init/capture_format.h)
//     "root_disk": "ID",               optional (with archives_disk): a writable
//                                      disk with an empty ext4 file system
//                                      that holds the new root instead of a
//                                      tmpfs (guest memory)
//     "script_errors": "fail",         optional: fail | ignore (a failing install
//                                      script ends the run, or is only reported)
//     "console": "/dev/console",       optional: the command's stdio device
//     "stderr_console": "/dev/ttyS0",  optional: its stderr, when elsewhere
//     "stdin_port": "NAME",            optional: the plan's input_port is the
//                                      command's stdin, and its stdout and
//                                      stderr devices are set to pass bytes
//                                      unchanged (no terminal: no \r added,
//                                      no echo)
//     "terminal_size": {"cols": 80, "rows": 24},
//                                      optional: the console's initial size;
//                                      tr fills it in at boot from its own
//                                      terminal when the guest has one
//     "output": "ID /PATH",            optional: after the command succeeds, copy
//                                      /PATH to the disk with that id
//                                      (guest-init/output_format.h)
//     "mounts": [{"tag": "TAG", "path": "/GUEST/DIR", "read_only": false}, ...]
//                                      optional: virtio-fs shares guest-init mounts
//                                      in the new root
//   }
// }
// Relative host paths are resolved against the plan file's directory.
// Unknown keys are errors, so a misspelt field never silently does nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/virtio/net/net_options.h"

namespace tinyrange {

struct PlanFile {
  std::string host;
  std::string guest;
  std::optional<uint32_t> mode;  // default: the host file's permission bits
};

struct PlanInit {
  std::string binary;
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string cwd = "/";
  std::string hostname = "tinyrange";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<std::string> modules;
  std::vector<PlanFile> files;
  std::string network;  // "" = none (see the format above)
  std::string console = "/dev/console";  // the command's stdin, stdout (and stderr)
  std::string stderr_console;            // "" = the console
  std::string output;                    // "DISK_ID /GUEST/PATH": hand that file back (output_format.h)
  std::string stdin_port;                // "" = stdin is the console
  uint16_t terminal_cols = 0;            // 0 = no size given
  uint16_t terminal_rows = 0;
  std::string archives_disk;  // "" = run in the initramfs
  std::string capture_disk;   // "" = do not capture the install steps' changes
  std::string root_disk;      // "" = the new root is a tmpfs
  bool ignore_script_errors = false;
  struct Mount {
    std::string tag;
    std::string path;
    bool read_only = false;
  };
  std::vector<Mount> mounts;
};

// What guest-init configures when the VM has user networking (libslirp's
// fixed addresses) and the plan names no interface itself.
inline constexpr const char* kUserNetworkGuestConfig = "eth0 10.0.2.15/24 10.0.2.2 10.0.2.3";

struct PlanDisk {
  std::string path;
  std::vector<std::string> parts;  // an archive disk (vmm/virtio/archive_disk.h)
  bool read_only = false;
  std::string id;
  bool direct = false;  // O_DIRECT, bypassing the host page cache
};

struct PlanNet {
  std::string backend = "user";       // user | tap=NAME | stream=PATH
  std::string mac;                    // "" = the default
  std::vector<std::string> publish;   // [ADDR:]HOST_PORT:GUEST_PORT[/tcp|/udp]
};

struct PlanShare {
  std::string path;  // host directory
  std::string tag;   // what the guest mounts: mount -t virtiofs TAG DIR
  bool read_only = false;
};

struct VmPlan {
  static constexpr int kVersion = 1;
  std::string kernel;
  std::vector<std::string> initrd;
  std::string cmdline;
  bool default_cmdline = true;
  uint32_t cpus = 1;
  uint64_t memory_mib = 256;
  uint64_t timeout_ms = 0;
  std::string bzimage_entry = "auto";
  std::string console = "serial";
  bool virtio_on_cmdline = false;
  std::string input_port;  // "" = none
  std::vector<PlanDisk> disks;
  std::optional<PlanNet> net;
  std::vector<PlanShare> shares;
  std::optional<PlanInit> init;
};

// Parse and validate. Errors (VmmError) name `source` and the JSON path
// of the offending field, e.g. "plan.json: .init.argv[2]: expected a string".
VmPlan ParseVmPlan(const std::string& json_text, const std::string& source,
                   const std::string& base_directory);
VmPlan LoadVmPlan(const std::string& path);
std::string SerializeVmPlan(const VmPlan& plan);
// Checks the semantic limits (ranges, required fields); throws VmmError
// naming `source` (the plan file; "" for a plan made from flags).
void ValidateVmPlan(const VmPlan& plan, const std::string& source);

// The network device the plan asks for; throws VmmError saying which
// spelling is wrong and what is accepted.
virtio::NetOptions ToNetOptions(const PlanNet& net);

}  // namespace tinyrange
