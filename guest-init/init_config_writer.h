// Host side of the init configuration (format in init_config.h): the
// structure the VMM CLI fills in, its encoder, and a decoder back into the
// structure for tests and tools. Not compiled into guest-init, which reads
// the encoded bytes in place through InitConfigView.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "guest-init/init_config.h"

namespace tinyrange {

struct InitModule {
  std::string path;    // inside the initramfs, e.g. "/lib/modules/virtio_blk.ko"
  std::string params;  // "" for none

  bool operator==(const InitModule&) const = default;
};

// A virtiofs share to mount (init_config.h, key "share").
struct InitShare {
  std::string tag;
  std::string path;  // absolute, without spaces
  bool read_only = false;

  bool operator==(const InitShare&) const = default;
};

struct InitConfig {
  std::vector<std::string> argv;  // at least one element; argv[0] not empty
  std::vector<std::string> env;   // "NAME=value"
  std::string cwd{kDefaultCwd};
  std::string hostname{kDefaultHostname};
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<InitModule> modules;  // loaded in this order
  std::string console{kDefaultConsole};
  std::string stderr_console;  // "" = the console
  std::string output;          // "DISK_ID /PATH", or "" for none
  std::string stdin_port;      // input port name, or "" for the console
  uint16_t winsize_cols = 0;   // the terminal's size; 0: none
  uint16_t winsize_rows = 0;
  std::string net;            // "IFACE ADDRESS/PREFIX GATEWAY DNS", or "" for none
  std::string archives_disk;  // archive disk id (virtio-blk serial), or "" for none
  std::string capture_disk;   // capture disk id, or "" for none (needs archives_disk)
  std::string root_disk;      // ext4 disk id for the new root, or "" for a tmpfs (needs archives_disk)
  bool ignore_script_errors = false;
  std::vector<InitShare> shares;

  bool operator==(const InitConfig&) const = default;
};

// Encodes `config` in the current format version. Throws
// std::invalid_argument, naming the field, if the config breaks a rule of
// the format (a NUL in any string, no argv, a bad env entry, ...), so the
// host never writes a file that guest-init would reject.
std::string EncodeInitConfig(const InitConfig& config);

// Decodes an encoded config into *out; on failure returns false and fills
// *error (whose key points into `data`).
bool DecodeInitConfig(std::string_view data, InitConfig* out, InitConfigError* error);

}  // namespace tinyrange
