// The init configuration: what guest-init runs and how. The host writes it
// into the initramfs at /tinyrange/init.cfg (see init_config_writer.h);
// guest-init, PID 1 in the guest, parses it with the code in this file.
//
// Format, version 1
// -----------------
//   file    = magic record* end
//   magic   = "tinyrange-init-config 1\n"   (the version is the decimal number
//                                            between the space and the newline)
//   record  = key NUL value NUL
//   end     = "end" NUL NUL                  (the last record: nothing follows)
//
// Keys are lower-case ASCII; a value is any bytes except NUL. NUL is the
// only separator because argv and environment strings can never contain it,
// so every string execve(2) accepts is representable, and a parsed value can
// be handed to the kernel in place as a C string. The closing `end` record
// makes a truncated file detectable.
//
//   key            count     meaning
//   argv           1..n      the command and its arguments, in order;
//                            argv[0] is not empty
//   env            0..n      "NAME=value" (NAME not empty); without a PATH
//                            entry guest-init adds a default PATH
//   cwd            0..1      working directory of the command (default "/")
//   hostname       0..1      1..64 bytes (default "tinyrange")
//   uid, gid       0..1      decimal, 0..4294967294 (default 0)
//   module         0..n      path in the initramfs of a kernel module (.ko)
//                            to load with finit_module, in file order
//   module-params  0..1 per  parameters of the module record directly before
//                  module    it ("name=value name2=value2")
//   console        0..1      device for the command's stdio (default
//                            "/dev/console")
//   output         0..1      "DISK_ID PATH": when the command exits with 0,
//                            copy the regular file PATH to the disk with that
//                            serial (output_format.h); DISK_ID follows the
//                            rules of `archives`, PATH is absolute
//   stderr         0..1      device for the command's (and guest-init's)
//                            stderr, when it is not the console: an
//                            absolute path (so the host can keep a
//                            command's stdout and stderr apart)
//   net            0..1      "IFACE ADDRESS/PREFIX GATEWAY DNS" (IPv4): set
//                            the interface up with that address, a default
//                            route through GATEWAY, and DNS in
//                            /etc/resolv.conf (user networking's settings;
//                            with `archives`, inside the new root)
//   archives       0..1      serial (virtio-blk disk id) of the archive disk
//                            (vmm/virtio/archive_disk.h): 1..20 bytes of
//                            printable ASCII without spaces (a virtio-blk
//                            serial has at most 20 bytes). guest-init
//                            unpacks its parts into a tmpfs, chroots into
//                            it and runs the install steps there
//   capture        0..1      serial of a writable disk that receives what the
//                            install steps changed (capture_format.h); same
//                            rules as `archives`, and only with `archives`
//   root-disk      0..1      serial of a writable disk holding an empty ext4
//                            file system: the new root is built there
//                            instead of in a tmpfs (guest memory); same
//                            rules as `archives`, and only with `archives`
//   script-errors  0..1      "fail" (default: a failing install step ends the
//                            VM with status 124) or "ignore" (warn, go on)
//   share          0..n      "TAG PATH" or "TAG PATH ro": mount the virtiofs
//                            TAG at the absolute PATH (inside the new root
//                            with `archives`), read-only with "ro"
//   stdin          0..1      name of a virtio input port (1..64 letters,
//                            digits, '.', '_', '-'; vmm/virtio/input_port.h)
//                            that is the command's stdin; the command's
//                            stdout and stderr terminals then pass bytes
//                            unchanged, as a pipe would
//   winsize        0..1      "COLSxROWS" (each 1..65535): the size of the
//                            host's terminal, set on the console before the
//                            command starts (later changes come through
//                            the virtio-console's size)
//
// Anything else (an unknown key, a repeated single key, a bad number, a
// missing terminator, data after `end`, another magic or version) is an
// error that names the offending key and byte offset.
//
// The parser below allocates nothing and throws nothing, because it is
// compiled into guest-init (static, -fno-exceptions) as well as into host
// code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tinyrange {

inline constexpr std::string_view kInitConfigMagic = "tinyrange-init-config ";
inline constexpr uint32_t kInitConfigVersion = 1;
// Where the host puts the config inside the initramfs.
inline constexpr const char* kInitConfigPath = "/tinyrange/init.cfg";

inline constexpr std::string_view kDefaultCwd = "/";
inline constexpr std::string_view kDefaultHostname = "tinyrange";
inline constexpr std::string_view kDefaultConsole = "/dev/console";
inline constexpr size_t kMaxHostnameLength = 64;  // HOST_NAME_MAX on Linux
// virtio-blk's serial field (VIRTIO_BLK_ID_BYTES).
inline constexpr size_t kMaxDiskIdLength = 20;

enum class InitConfigKey : uint8_t {
  kArgv,
  kEnv,
  kCwd,
  kHostname,
  kUid,
  kGid,
  kModule,
  kModuleParams,
  kConsole,
  kNet,
  kArchives,
  kCapture,
  kScriptErrors,
  kShare,
  kStderr,
  kOutput,
  kStdin,
  kWinsize,
  kRootDisk,
  kEnd,
};

// The key's spelling in the file.
std::string_view InitConfigKeyName(InitConfigKey key);

struct InitConfigError {
  const char* message = "";  // static text: what is wrong
  std::string_view key;      // the key concerned (points into the input), or empty
  size_t offset = 0;         // byte offset in the input where the problem is
};

// Writes "<message> (key \"<key>\") at byte <offset>" into `out` (always
// NUL-terminated when out_size > 0); bytes of the key that are not printable
// ASCII are shown as '?', since the key may be garbage.
void FormatInitConfigError(const InitConfigError& error, char* out, size_t out_size);

// A parsed, validated config. Every string_view points into the buffer that
// was parsed, which must outlive this view; each value is followed by a NUL
// in that buffer, so value.data() is usable as a C string.
struct InitConfigView {
  std::string_view records;  // the bytes after the magic line, for iteration
  size_t argv_count = 0;
  size_t env_count = 0;
  size_t module_count = 0;
  bool has_path_env = false;  // an env entry starts with "PATH="
  std::string_view cwd = kDefaultCwd;
  std::string_view hostname = kDefaultHostname;
  std::string_view console = kDefaultConsole;
  std::string_view stderr_console;  // empty: the console
  std::string_view output;          // "DISK_ID PATH", or empty
  std::string_view stdin_port;      // input port name; empty: stdin is the console
  uint16_t winsize_cols = 0;        // 0: no winsize given
  uint16_t winsize_rows = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string_view net;       // empty: no interface to configure
  std::string_view archives;  // archive disk id; empty: run in the initramfs
  std::string_view capture;   // capture disk id; empty: no capture
  std::string_view root_disk;  // ext4 disk id for the new root; empty: a tmpfs
  bool ignore_script_errors = false;
  size_t share_count = 0;
};

// A parsed "share" value; tag and path point into the value and are not
// NUL-terminated.
struct InitShareView {
  std::string_view tag;
  std::string_view path;
  bool read_only = false;
};

// Parses "TAG PATH" or "TAG PATH ro" (TAG without spaces, PATH absolute
// without spaces); false if malformed.
bool ParseInitShare(std::string_view text, InitShareView* out);

// Whether `id` is a valid disk id: 1..20 bytes of printable ASCII, no space.
bool IsValidDiskId(std::string_view id);

// Whether `name` is a valid input port name (see `stdin` above).
bool IsValidPortName(std::string_view name);

// A parsed "net" value. Addresses are the four octets in order (network
// byte order, ready for sin_addr).
struct InitNetConfig {
  char interface[16] = {};  // IFNAMSIZ, NUL-terminated
  uint8_t address[4] = {};
  uint32_t prefix_length = 0;
  uint8_t gateway[4] = {};
  uint8_t dns[4] = {};
};

// An "output" value split at its space: the disk id and the absolute path
// (both pointing into the value). False if malformed.
bool ParseInitOutput(std::string_view value, std::string_view* disk_id, std::string_view* path);

// Parses "IFACE A.B.C.D/N A.B.C.D A.B.C.D"; false if malformed.
bool ParseInitNetConfig(std::string_view text, InitNetConfig* out);

// Parses and validates `input`. On failure returns false and fills *error.
bool ParseInitConfig(std::string_view input, InitConfigView* out, InitConfigError* error);

struct InitConfigRecord {
  InitConfigKey key;
  std::string_view value;
};

// Walks the records of a validated config in file order (argv, env and
// module records keep their relative order); stops before `end`.
class InitConfigCursor {
 public:
  explicit InitConfigCursor(const InitConfigView& config) : rest_(config.records) {}
  bool Next(InitConfigRecord* record);

 private:
  std::string_view rest_;
};

// Parses "COLSxROWS" (each 1..65535); false if malformed.
bool ParseWinsize(std::string_view text, uint16_t* cols, uint16_t* rows);

// Parses a decimal uid/gid: digits only, no sign, at most 4294967294
// (4294967295 is (uid_t)-1, which setuid(2) treats as "unchanged").
bool ParseId(std::string_view text, uint32_t* value);

}  // namespace tinyrange
