#include "guest-init/init_config_writer.h"

#include <stdexcept>

namespace tinyrange {

namespace {

void Append(std::string* out, InitConfigKey key, std::string_view value, const char* field) {
  // A NUL inside a value would shift the framing of every later record.
  if (value.find('\0') != std::string_view::npos) {
    throw std::invalid_argument(std::string("init config: ") + field + " contains a NUL byte");
  }
  out->append(InitConfigKeyName(key));
  out->push_back('\0');
  out->append(value);
  out->push_back('\0');
}

}  // namespace

std::string EncodeInitConfig(const InitConfig& config) {
  std::string out(kInitConfigMagic);
  out += std::to_string(kInitConfigVersion);
  out += '\n';
  for (const std::string& arg : config.argv) Append(&out, InitConfigKey::kArgv, arg, "argv");
  for (const std::string& var : config.env) Append(&out, InitConfigKey::kEnv, var, "env");
  Append(&out, InitConfigKey::kCwd, config.cwd, "cwd");
  Append(&out, InitConfigKey::kHostname, config.hostname, "hostname");
  Append(&out, InitConfigKey::kUid, std::to_string(config.uid), "uid");
  Append(&out, InitConfigKey::kGid, std::to_string(config.gid), "gid");
  for (const InitModule& module : config.modules) {
    Append(&out, InitConfigKey::kModule, module.path, "module path");
    if (!module.params.empty()) {
      Append(&out, InitConfigKey::kModuleParams, module.params, "module params");
    }
  }
  Append(&out, InitConfigKey::kConsole, config.console, "console");
  if (!config.stderr_console.empty()) Append(&out, InitConfigKey::kStderr, config.stderr_console, "stderr");
  if (!config.output.empty()) Append(&out, InitConfigKey::kOutput, config.output, "output");
  if (!config.stdin_port.empty()) Append(&out, InitConfigKey::kStdin, config.stdin_port, "stdin");
  if (config.winsize_cols != 0 || config.winsize_rows != 0) {
    Append(&out, InitConfigKey::kWinsize,
           std::to_string(config.winsize_cols) + "x" + std::to_string(config.winsize_rows), "winsize");
  }
  if (!config.net.empty()) Append(&out, InitConfigKey::kNet, config.net, "net");
  if (!config.archives_disk.empty()) {
    Append(&out, InitConfigKey::kArchives, config.archives_disk, "archives disk");
  }
  if (!config.capture_disk.empty()) {
    Append(&out, InitConfigKey::kCapture, config.capture_disk, "capture disk");
  }
  if (!config.root_disk.empty()) Append(&out, InitConfigKey::kRootDisk, config.root_disk, "root disk");
  if (config.ignore_script_errors)
    Append(&out, InitConfigKey::kScriptErrors, "ignore", "script-errors");
  for (const InitShare& share : config.shares) {
    std::string value = share.tag + ' ' + share.path;
    if (share.read_only) value += " ro";
    Append(&out, InitConfigKey::kShare, value, "share");
  }
  Append(&out, InitConfigKey::kEnd, "", "end");

  // The parser is the one definition of a valid config; running it here
  // keeps the writer from ever producing what guest-init would refuse.
  InitConfigView view;
  InitConfigError error;
  if (!ParseInitConfig(out, &view, &error)) {
    char message[256];
    FormatInitConfigError(error, message, sizeof(message));
    throw std::invalid_argument(std::string("init config: ") + message);
  }
  return out;
}

bool DecodeInitConfig(std::string_view data, InitConfig* out, InitConfigError* error) {
  InitConfigView view;
  if (!ParseInitConfig(data, &view, error)) return false;
  InitConfig config;
  config.cwd = view.cwd;
  config.hostname = view.hostname;
  config.console = view.console;
  config.stderr_console = view.stderr_console;
  config.output = view.output;
  config.stdin_port = view.stdin_port;
  config.winsize_cols = view.winsize_cols;
  config.winsize_rows = view.winsize_rows;
  config.net = view.net;
  config.uid = view.uid;
  config.gid = view.gid;
  config.archives_disk = view.archives;
  config.capture_disk = view.capture;
  config.root_disk = view.root_disk;
  config.ignore_script_errors = view.ignore_script_errors;
  InitConfigCursor cursor(view);
  InitConfigRecord record;
  while (cursor.Next(&record)) {
    switch (record.key) {
      case InitConfigKey::kArgv:
        config.argv.emplace_back(record.value);
        break;
      case InitConfigKey::kEnv:
        config.env.emplace_back(record.value);
        break;
      case InitConfigKey::kModule:
        config.modules.push_back({std::string(record.value), ""});
        break;
      case InitConfigKey::kModuleParams:
        config.modules.back().params = record.value;
        break;
      case InitConfigKey::kShare: {
        InitShareView share;
        ParseInitShare(record.value, &share);  // validated by the parser
        config.shares.push_back({std::string(share.tag), std::string(share.path), share.read_only});
        break;
      }
      default:
        break;  // single-valued keys are already in the view
    }
  }
  *out = std::move(config);
  return true;
}

}  // namespace tinyrange
