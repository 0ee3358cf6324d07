#include "guest-init/init_config.h"

#include <cstdio>

#include "guest-init/string_slice.h"

namespace tinyrange {

namespace {

struct KeySpelling {
  std::string_view name;
  InitConfigKey key;
};

constexpr KeySpelling kKeys[] = {
    {"argv", InitConfigKey::kArgv},
    {"env", InitConfigKey::kEnv},
    {"cwd", InitConfigKey::kCwd},
    {"hostname", InitConfigKey::kHostname},
    {"uid", InitConfigKey::kUid},
    {"gid", InitConfigKey::kGid},
    {"module", InitConfigKey::kModule},
    {"module-params", InitConfigKey::kModuleParams},
    {"console", InitConfigKey::kConsole},
    {"net", InitConfigKey::kNet},
    {"archives", InitConfigKey::kArchives},
    {"capture", InitConfigKey::kCapture},
    {"script-errors", InitConfigKey::kScriptErrors},
    {"share", InitConfigKey::kShare},
    {"stderr", InitConfigKey::kStderr},
    {"output", InitConfigKey::kOutput},
    {"stdin", InitConfigKey::kStdin},
    {"winsize", InitConfigKey::kWinsize},
    {"root-disk", InitConfigKey::kRootDisk},
    {"end", InitConfigKey::kEnd},
};

bool LookupKey(std::string_view name, InitConfigKey* key) {
  for (const KeySpelling& k : kKeys) {
    if (k.name == name) {
      *key = k.key;
      return true;
    }
  }
  return false;
}

bool Fail(InitConfigError* error, const char* message, std::string_view key, size_t offset) {
  error->message = message;
  error->key = key;
  error->offset = offset;
  return false;
}

}  // namespace

bool ParseInitOutput(std::string_view value, std::string_view* disk_id, std::string_view* path) {
  size_t space = value.find(' ');
  if (space == std::string_view::npos) return false;
  // (No substr: its range check would pull exceptions into guest-init.)
  *disk_id = std::string_view(value.data(), space);
  *path = std::string_view(value.data() + space + 1, value.size() - space - 1);
  return IsValidDiskId(*disk_id) && !path->empty() && (*path)[0] == '/';
}

std::string_view InitConfigKeyName(InitConfigKey key) {
  for (const KeySpelling& k : kKeys) {
    if (k.key == key) return k.name;
  }
  return "?";
}

bool ParseId(std::string_view text, uint32_t* value) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xfffffffeu) return false;
  *value = static_cast<uint32_t>(v);
  return true;
}

bool ParseWinsize(std::string_view text, uint16_t* cols, uint16_t* rows) {
  size_t x = text.find('x');
  if (x == std::string_view::npos) return false;
  uint32_t c = 0, r = 0;
  if (!ParseId(Slice(text, 0, x), &c) || !ParseId(Slice(text, x + 1), &r)) return false;
  if (c == 0 || r == 0 || c > 65535 || r > 65535) return false;
  *cols = static_cast<uint16_t>(c);
  *rows = static_cast<uint16_t>(r);
  return true;
}

void FormatInitConfigError(const InitConfigError& error, char* out, size_t out_size) {
  if (out_size == 0) return;
  // Show at most 40 bytes of the key: enough to recognise it, and a garbage
  // "key" (a file that is not a config at all) stays one line.
  char key[41];
  size_t n = 0;
  for (char c : error.key) {
    if (n == sizeof(key) - 1) break;
    key[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  key[n] = '\0';
  if (error.key.empty()) {
    snprintf(out, out_size, "%s at byte %zu", error.message, error.offset);
  } else {
    snprintf(out, out_size, "%s (key \"%s\") at byte %zu", error.message, key, error.offset);
  }
}

bool ParseInitConfig(std::string_view input, InitConfigView* out, InitConfigError* error) {
  *out = InitConfigView{};

  // Magic line: "tinyrange-init-config <version>\n".
  if (input.size() < kInitConfigMagic.size() ||
      Slice(input, 0, kInitConfigMagic.size()) != kInitConfigMagic) {
    return Fail(error, "bad magic: not a tinyrange init config", {}, 0);
  }
  size_t pos = kInitConfigMagic.size();
  size_t version_start = pos;
  uint64_t version = 0;
  while (pos < input.size() && input[pos] >= '0' && input[pos] <= '9' && pos - version_start < 9) {
    version = version * 10 + static_cast<uint64_t>(input[pos] - '0');
    ++pos;
  }
  if (pos == version_start) return Fail(error, "bad magic: no version number", {}, pos);
  if (pos == input.size()) return Fail(error, "truncated magic line", {}, pos);
  if (input[pos] != '\n') return Fail(error, "bad magic: malformed version", {}, pos);
  if (version != kInitConfigVersion) {
    return Fail(error, "unsupported config version", {}, version_start);
  }
  ++pos;
  size_t records_start = pos;

  bool seen_cwd = false, seen_hostname = false, seen_uid = false, seen_gid = false,
       seen_console = false, seen_net = false, seen_archives = false, seen_capture = false, seen_root_disk = false,
       seen_script_errors = false, seen_stderr = false, seen_output = false,
       seen_stdin = false, seen_winsize = false;
  size_t capture_at = 0;
  std::string_view capture_key;
  size_t root_disk_at = 0;
  std::string_view root_disk_key;
  // module-params must follow a module directly, and only once.
  bool params_allowed = false;

  for (;;) {
    if (pos == input.size()) {
      return Fail(error, "missing end record (truncated file?)", {}, pos);
    }
    size_t key_start = pos;
    size_t key_end = input.find('\0', key_start);
    if (key_end == std::string_view::npos) {
      return Fail(error, "truncated record: key without terminator", Slice(input, key_start),
                  key_start);
    }
    std::string_view name = Slice(input, key_start, key_end - key_start);
    size_t value_start = key_end + 1;
    size_t value_end = input.find('\0', value_start);
    if (value_end == std::string_view::npos) {
      return Fail(error, "truncated record: value without terminator", name, value_start);
    }
    std::string_view value = Slice(input, value_start, value_end - value_start);
    pos = value_end + 1;

    InitConfigKey key;
    if (!LookupKey(name, &key)) return Fail(error, "unknown key", name, key_start);

    auto once = [&](bool* seen) {
      if (*seen) return false;
      *seen = true;
      return true;
    };
    // A disk id: given once, and a valid virtio-blk serial.
    auto disk_id = [&](bool* seen, std::string_view* field) {
      if (!once(seen)) return Fail(error, "duplicate key", name, key_start);
      if (!IsValidDiskId(value)) {
        return Fail(error, "disk id must be 1 to 20 printable bytes without spaces", name, value_start);
      }
      *field = value;
      return true;
    };
    bool next_params_allowed = false;
    switch (key) {
      case InitConfigKey::kArgv:
        if (out->argv_count == 0 && value.empty()) {
          return Fail(error, "argv[0] is empty", name, value_start);
        }
        ++out->argv_count;
        break;
      case InitConfigKey::kEnv: {
        size_t eq = value.find('=');
        if (eq == std::string_view::npos || eq == 0) {
          return Fail(error, "env entry is not NAME=value", name, value_start);
        }
        if (Slice(value, 0, eq) == "PATH") out->has_path_env = true;
        ++out->env_count;
        break;
      }
      case InitConfigKey::kCwd:
        if (!once(&seen_cwd)) return Fail(error, "duplicate key", name, key_start);
        if (value.empty()) return Fail(error, "empty value", name, value_start);
        out->cwd = value;
        break;
      case InitConfigKey::kHostname:
        if (!once(&seen_hostname)) return Fail(error, "duplicate key", name, key_start);
        if (value.empty() || value.size() > kMaxHostnameLength) {
          return Fail(error, "hostname must be 1 to 64 bytes", name, value_start);
        }
        out->hostname = value;
        break;
      case InitConfigKey::kUid:
        if (!once(&seen_uid)) return Fail(error, "duplicate key", name, key_start);
        if (!ParseId(value, &out->uid)) return Fail(error, "bad number", name, value_start);
        break;
      case InitConfigKey::kGid:
        if (!once(&seen_gid)) return Fail(error, "duplicate key", name, key_start);
        if (!ParseId(value, &out->gid)) return Fail(error, "bad number", name, value_start);
        break;
      case InitConfigKey::kModule:
        if (value.empty()) return Fail(error, "empty value", name, value_start);
        ++out->module_count;
        next_params_allowed = true;
        break;
      case InitConfigKey::kModuleParams:
        if (!params_allowed) {
          return Fail(error, "module-params does not follow a module", name, key_start);
        }
        break;
      case InitConfigKey::kConsole:
        if (!once(&seen_console)) return Fail(error, "duplicate key", name, key_start);
        if (value.empty()) return Fail(error, "empty value", name, value_start);
        out->console = value;
        break;
      case InitConfigKey::kOutput: {
        if (!once(&seen_output)) return Fail(error, "duplicate key", name, key_start);
        std::string_view disk, path;
        if (!ParseInitOutput(value, &disk, &path)) {
          return Fail(error, "expected DISK_ID /PATH", name, value_start);
        }
        out->output = value;
        break;
      }
      case InitConfigKey::kWinsize:
        if (!once(&seen_winsize)) return Fail(error, "duplicate key", name, key_start);
        if (!ParseWinsize(value, &out->winsize_cols, &out->winsize_rows)) {
          return Fail(error, "expected COLSxROWS, each 1 to 65535", name, value_start);
        }
        break;
      case InitConfigKey::kStdin:
        if (!once(&seen_stdin)) return Fail(error, "duplicate key", name, key_start);
        if (!IsValidPortName(value)) {
          return Fail(error, "port name must be 1 to 64 letters, digits, '.', '_' or '-'", name, value_start);
        }
        out->stdin_port = value;
        break;
      case InitConfigKey::kStderr:
        if (!once(&seen_stderr)) return Fail(error, "duplicate key", name, key_start);
        if (value.empty() || value[0] != '/') return Fail(error, "expected an absolute device path", name, value_start);
        out->stderr_console = value;
        break;
      case InitConfigKey::kNet: {
        if (!once(&seen_net)) return Fail(error, "duplicate key", name, key_start);
        InitNetConfig net;
        if (!ParseInitNetConfig(value, &net)) {
          return Fail(error, "expected IFACE ADDRESS/PREFIX GATEWAY DNS", name, value_start);
        }
        out->net = value;
        break;
      }
      case InitConfigKey::kArchives:
        if (!disk_id(&seen_archives, &out->archives)) return false;
        break;
      case InitConfigKey::kCapture:
        if (!disk_id(&seen_capture, &out->capture)) return false;
        capture_at = key_start;
        capture_key = name;
        break;
      case InitConfigKey::kRootDisk:
        if (!disk_id(&seen_root_disk, &out->root_disk)) return false;
        root_disk_at = key_start;
        root_disk_key = name;
        break;
      case InitConfigKey::kScriptErrors:
        if (!once(&seen_script_errors)) return Fail(error, "duplicate key", name, key_start);
        if (value == "ignore") {
          out->ignore_script_errors = true;
        } else if (value != "fail") {
          return Fail(error, "expected \"fail\" or \"ignore\"", name, value_start);
        }
        break;
      case InitConfigKey::kShare: {
        InitShareView share;
        if (!ParseInitShare(value, &share)) {
          return Fail(error, "expected TAG PATH or TAG PATH ro (PATH absolute)", name, value_start);
        }
        ++out->share_count;
        break;
      }
      case InitConfigKey::kEnd:
        if (!value.empty()) return Fail(error, "end record has a value", name, value_start);
        if (pos != input.size()) return Fail(error, "data after end record", {}, pos);
        if (out->argv_count == 0) return Fail(error, "missing argv", {}, key_start);
        // Capturing means diffing the new root around the install steps,
        // which only exist with archives.
        if (!out->capture.empty() && out->archives.empty()) {
          return Fail(error, "capture without archives", capture_key, capture_at);
        }
        // The root disk holds the root built from the archives.
        if (!out->root_disk.empty() && out->archives.empty()) {
          return Fail(error, "root-disk without archives", root_disk_key, root_disk_at);
        }
        // The records seen by the cursor stop before `end`.
        out->records = Slice(input, records_start, key_start - records_start);
        return true;
    }
    params_allowed = next_params_allowed;
  }
}

namespace {

// One dotted-quad IPv4 address at the front of *text, consumed.
bool TakeIpv4(std::string_view* text, uint8_t out[4]) {
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (text->empty() || (*text)[0] != '.') return false;
      *text = Slice(*text, 1);
    }
    uint32_t octet = 0;
    size_t digits = 0;
    while (digits < text->size() && (*text)[digits] >= '0' && (*text)[digits] <= '9' && digits < 3) {
      octet = octet * 10 + static_cast<uint32_t>((*text)[digits] - '0');
      ++digits;
    }
    if (digits == 0 || octet > 255) return false;
    *text = Slice(*text, digits);
    out[part] = static_cast<uint8_t>(octet);
  }
  return true;
}

bool TakeSpace(std::string_view* text) {
  if (text->empty() || (*text)[0] != ' ') return false;
  *text = Slice(*text, 1);
  return true;
}

}  // namespace

bool ParseInitNetConfig(std::string_view text, InitNetConfig* out) {
  size_t space = text.find(' ');
  if (space == 0 || space == std::string_view::npos || space >= sizeof(out->interface)) return false;
  for (size_t i = 0; i < space; ++i) {
    char c = text[i];
    if (c == '/' || c <= ' ' || c > '~') return false;
    out->interface[i] = c;
  }
  out->interface[space] = '\0';
  text = Slice(text, space + 1);
  if (!TakeIpv4(&text, out->address)) return false;
  if (text.empty() || text[0] != '/') return false;
  text = Slice(text, 1);
  uint32_t prefix = 0;
  size_t digits = 0;
  while (digits < text.size() && digits < 2 && text[digits] >= '0' && text[digits] <= '9') {
    prefix = prefix * 10 + static_cast<uint32_t>(text[digits] - '0');
    ++digits;
  }
  if (digits == 0 || prefix > 32) return false;
  out->prefix_length = prefix;
  text = Slice(text, digits);
  if (!TakeSpace(&text) || !TakeIpv4(&text, out->gateway)) return false;
  if (!TakeSpace(&text) || !TakeIpv4(&text, out->dns)) return false;
  return text.empty();
}

bool IsValidDiskId(std::string_view id) {
  if (id.empty() || id.size() > kMaxDiskIdLength) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

bool IsValidPortName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

bool ParseInitShare(std::string_view text, InitShareView* out) {
  size_t space = text.find(' ');
  if (space == 0 || space == std::string_view::npos) return false;
  out->tag = Slice(text, 0, space);
  text = Slice(text, space + 1);
  size_t end = text.find(' ');
  out->path = Slice(text, 0, end);
  out->read_only = false;
  if (end != std::string_view::npos) {
    if (Slice(text, end + 1) != "ro") return false;
    out->read_only = true;
  }
  return !out->path.empty() && out->path[0] == '/';
}

bool InitConfigCursor::Next(InitConfigRecord* record) {
  if (rest_.empty()) return false;
  // The config was validated, so every key and value has its terminator and
  // every key is known.
  size_t key_end = rest_.find('\0');
  size_t value_end = rest_.find('\0', key_end + 1);
  InitConfigKey key = InitConfigKey::kEnd;
  LookupKey(Slice(rest_, 0, key_end), &key);
  record->key = key;
  record->value = Slice(rest_, key_end + 1, value_end - key_end - 1);
  rest_.remove_prefix(value_end + 1);
  return true;
}

}  // namespace tinyrange
