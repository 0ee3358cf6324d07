#include "vmm/plan/init_archive.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "builder/cpio/cpio_writer.h"
#include "guest-init/init_config_writer.h"
#include "vmm/vmm_error.h"

namespace tinyrange {

namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// cpio names are relative; plan paths are absolute guest paths.
std::string ArchiveName(const std::string& guest_path) {
  size_t start = guest_path.find_first_not_of('/');
  return start == std::string::npos ? "" : guest_path.substr(start);
}

CpioMetadata WithMode(uint32_t mode) {
  CpioMetadata meta;
  meta.mode = mode;
  return meta;
}

}  // namespace

std::string FindGuestInit(const std::string& configured) {
  if (!configured.empty()) {
    if (!IsExecutableFile(configured)) throw VmmError("guest-init binary " + configured + " is not an executable file");
    return configured;
  }
  if (const char* env = std::getenv("TINYRANGE_GUEST_INIT"); env && *env) {
    if (!IsExecutableFile(env)) {
      throw VmmError(std::string("TINYRANGE_GUEST_INIT=") + env + " is not an executable file");
    }
    return env;
  }
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::filesystem::path dir = exe.parent_path();
  // Beside tr; in the build tree; in an installed prefix.
  const std::filesystem::path candidates[] = {
      dir / "guest-init",
      dir / ".." / "guest-init" / "guest-init",
      dir / ".." / "lib" / "tinyrange" / "guest-init",
  };
  std::string looked;
  for (const auto& c : candidates) {
    std::string p = c.lexically_normal().string();
    if (IsExecutableFile(p)) return p;
    looked += "\n  " + p;
  }
  throw VmmError("cannot find the guest-init binary; looked at:" + looked +
                 "\nbuild it (scripts/build.sh), or name it with --init or TINYRANGE_GUEST_INIT");
}

std::vector<uint8_t> BuildInitArchive(const PlanInit& init) {
  InitConfig config;
  config.argv = init.argv;
  config.env = init.env;
  config.cwd = init.cwd;
  config.hostname = init.hostname;
  config.net = init.network;
  config.uid = init.uid;
  config.gid = init.gid;
  for (const auto& m : init.modules) config.modules.push_back({m, ""});
  config.console = init.console;
  config.stderr_console = init.stderr_console;
  config.output = init.output;
  config.stdin_port = init.stdin_port;
  config.winsize_cols = init.terminal_cols;
  config.winsize_rows = init.terminal_rows;
  config.archives_disk = init.archives_disk;
  config.capture_disk = init.capture_disk;
  config.root_disk = init.root_disk;
  config.ignore_script_errors = init.ignore_script_errors;
  for (const auto& m : init.mounts) config.shares.push_back({m.tag, m.path, m.read_only});
  std::string encoded;
  try {
    encoded = EncodeInitConfig(config);
  } catch (const std::invalid_argument& e) {
    throw VmmError(std::string("the command for guest-init is not valid: ") + e.what());
  }

  std::vector<uint8_t> bytes;
  VectorCpioSink sink(&bytes);
  CpioWriterOptions options;
  options.auto_parents = true;
  CpioWriter cpio(&sink, options);
  try {
    cpio.AddFileFromHost("init", FindGuestInit(init.binary), WithMode(0755));
    // The kernel opens /dev/console for PID 1 before devtmpfs is mounted;
    // without this node guest-init's first messages would go nowhere.
    cpio.AddCharDevice("dev/console", 5, 1, WithMode(0600));
    cpio.AddFile("tinyrange/init.cfg", std::string_view(encoded), WithMode(0644));
    for (const auto& file : init.files) {
      struct stat st;
      if (stat(file.host.c_str(), &st) < 0) ThrowErrno("cannot add " + file.host + " to the guest");
      if (!S_ISREG(st.st_mode)) throw VmmError("cannot add " + file.host + " to the guest: not a regular file");
      std::string name = ArchiveName(file.guest);
      if (name.empty()) throw VmmError("cannot add " + file.host + " as guest path '" + file.guest + "'");
      cpio.AddFileFromHost(name, file.host, WithMode(file.mode.value_or(st.st_mode & 07777)));
    }
    cpio.Finish();
  } catch (const CpioError& e) {
    throw VmmError(std::string("building the guest-init archive: ") + e.what());
  }
  return bytes;
}

}  // namespace tinyrange
