// What to run: the packages, the kernel, the VM's shape and the command.
// `tr run`'s options and the sandbox library's requests are both this.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinyrange::sandbox {

struct RunRequest {
  std::string distro = "debian:bookworm";  // debian:SUITE or alpine:VERSION
  std::string debian_mirror;  // empty: the apt sources, or $TR_DEBIAN_MIRROR
  std::string alpine_mirror;  // empty: $TR_ALPINE_MIRROR
  std::string alpine_keys;    // empty: $TR_ALPINE_KEYS, else /etc/apk/keys
  std::vector<std::string> packages;        // empty: busybox
  std::string base = "essential";           // Debian: none, essential or required
  std::string file_target;                  // FILE.star:NAME, a plan, instead of packages
  std::string kernel = "default";           // default (= distro), distro, debian, minimal or a path
  uint32_t cpus = 1;
  std::optional<uint64_t> memory_mib;  // default: enough for the root file system
  // Build the root on an ext4 scratch disk of this many MiB (sparse; gone
  // with the run) instead of in guest memory.
  std::optional<uint64_t> storage_mib;
  std::vector<std::string> shares;     // DIR[:TAG][,ro]
  std::string workdir;                 // default: the first share, else /root
  bool net = false;
  std::vector<std::string> publish;  // [ADDR:]HOST_PORT:GUEST_PORT[/udp]
  std::vector<std::string> env;      // NAME=VALUE
  double timeout_seconds = 0;        // 0: none
  bool ignore_script_errors = false;
  std::vector<std::string> command;  // empty: an interactive shell
  // The command's stdin, stdout and stderr share one terminal (a shell);
  // otherwise stdout and stderr are kept apart.
  bool interactive = false;
  // The command runs on a terminal (the host's stdin and stdout are one):
  // its stdin is the console. Otherwise its stdin is an input port that
  // ends where the host's input ends, and its output bytes pass unchanged.
  // An interactive run always has a terminal.
  bool terminal = false;
  std::string term;  // TERM for the command; empty: none
  // Building.
  std::string cache_root;  // empty: the tinyrange cache
  bool offline = false;
  int jobs = 0;
  std::function<void(const std::string&)> log;  // one line per definition built
  std::string guest_init;  // guest-init binary; empty: found next to tinyrange
  // Leave the files the plan names but this run generated (the capture
  // disk, a build_vm's generated archives) in the cache's temporaries when
  // the prepared run ends, for a plan printed to be booted elsewhere;
  // `tr cache gc` removes them later.
  bool keep_generated_files = false;
};

// A request that cannot work as given (the message says what to change).
class RequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tinyrange::sandbox
