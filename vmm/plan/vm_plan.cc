#include "vmm/plan/vm_plan.h"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>

#include "guest-init/init_config.h"
#include "vmm/virtio/net/mac_address.h"
#include "vmm/vmm_error.h"

namespace tinyrange {

namespace {

using nlohmann::json;

class PlanReader {
 public:
  PlanReader(std::string source, std::string base) : source_(std::move(source)), base_(std::move(base)) {}

  [[noreturn]] void Fail(const std::string& path, const std::string& problem) const {
    throw VmmError(source_ + ": " + path + ": " + problem);
  }

  void CheckKeys(const json& object, const std::string& path, std::initializer_list<const char*> known) const {
    if (!object.is_object()) Fail(path.empty() ? "." : path, "expected an object");
    for (const auto& [key, value] : object.items()) {
      bool ok = false;
      for (const char* k : known) ok = ok || key == k;
      if (!ok) Fail(path + "." + key, "unknown field (check its spelling against the plan format)");
    }
  }

  std::string String(const json& v, const std::string& path) const {
    if (!v.is_string()) Fail(path, "expected a string");
    return v.get<std::string>();
  }

  std::string HostPath(const json& v, const std::string& path) const {
    std::string p = String(v, path);
    if (p.empty()) Fail(path, "expected a non-empty path");
    if (p[0] == '/' || base_.empty()) return p;
    return (std::filesystem::path(base_) / p).lexically_normal().string();
  }

  uint64_t Unsigned(const json& v, const std::string& path, uint64_t max) const {
    if (!v.is_number_integer() || (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0)) {
      Fail(path, "expected a non-negative integer");
    }
    uint64_t n = v.get<uint64_t>();
    if (n > max) Fail(path, "must be at most " + std::to_string(max));
    return n;
  }

  bool Bool(const json& v, const std::string& path) const {
    if (!v.is_boolean()) Fail(path, "expected true or false");
    return v.get<bool>();
  }

  std::vector<std::string> Strings(const json& v, const std::string& path, bool host_paths = false) const {
    if (!v.is_array()) Fail(path, "expected an array of strings");
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string item_path = path + "[" + std::to_string(i) + "]";
      out.push_back(host_paths ? HostPath(v[i], item_path) : String(v[i], item_path));
    }
    return out;
  }

  PlanInit Init(const json& v) const {
    CheckKeys(v, ".init", {"binary", "argv", "env", "cwd", "hostname", "uid", "gid", "modules", "files", "network",
                         "archives_disk", "capture_disk", "root_disk", "script_errors", "mounts", "console", "stderr_console", "output",
                         "stdin_port", "terminal_size"});
    PlanInit init;
    if (v.contains("binary")) init.binary = HostPath(v["binary"], ".init.binary");
    if (!v.contains("argv")) Fail(".init.argv", "required: the command guest-init runs");
    init.argv = Strings(v["argv"], ".init.argv");
    if (v.contains("env")) init.env = Strings(v["env"], ".init.env");
    if (v.contains("cwd")) init.cwd = String(v["cwd"], ".init.cwd");
    if (v.contains("hostname")) init.hostname = String(v["hostname"], ".init.hostname");
    if (v.contains("uid")) init.uid = static_cast<uint32_t>(Unsigned(v["uid"], ".init.uid", UINT32_MAX));
    if (v.contains("gid")) init.gid = static_cast<uint32_t>(Unsigned(v["gid"], ".init.gid", UINT32_MAX));
    if (v.contains("modules")) init.modules = Strings(v["modules"], ".init.modules");
    if (v.contains("network")) init.network = String(v["network"], ".init.network");
    if (v.contains("console")) init.console = String(v["console"], ".init.console");
    if (v.contains("output")) init.output = String(v["output"], ".init.output");
    if (v.contains("stdin_port")) init.stdin_port = String(v["stdin_port"], ".init.stdin_port");
    if (v.contains("terminal_size")) {
      const json& size = v["terminal_size"];
      CheckKeys(size, ".init.terminal_size", {"cols", "rows"});
      if (!size.contains("cols") || !size.contains("rows")) {
        Fail(".init.terminal_size", "needs both \"cols\" and \"rows\"");
      }
      init.terminal_cols = static_cast<uint16_t>(Unsigned(size["cols"], ".init.terminal_size.cols", 65535));
      init.terminal_rows = static_cast<uint16_t>(Unsigned(size["rows"], ".init.terminal_size.rows", 65535));
      if (init.terminal_cols == 0 || init.terminal_rows == 0) {
        Fail(".init.terminal_size", "cols and rows must be at least 1");
      }
    }
    if (v.contains("stderr_console")) init.stderr_console = String(v["stderr_console"], ".init.stderr_console");
    if (v.contains("archives_disk")) init.archives_disk = String(v["archives_disk"], ".init.archives_disk");
    if (v.contains("capture_disk")) init.capture_disk = String(v["capture_disk"], ".init.capture_disk");
    if (v.contains("root_disk")) init.root_disk = String(v["root_disk"], ".init.root_disk");
    if (v.contains("script_errors")) {
      std::string mode = String(v["script_errors"], ".init.script_errors");
      if (mode != "fail" && mode != "ignore") Fail(".init.script_errors", "expected \"fail\" or \"ignore\"");
      init.ignore_script_errors = mode == "ignore";
    }
    if (v.contains("mounts")) {
      const json& mounts = v["mounts"];
      if (!mounts.is_array()) Fail(".init.mounts", "expected an array of {tag, path} objects");
      for (size_t i = 0; i < mounts.size(); ++i) {
        std::string p = ".init.mounts[" + std::to_string(i) + "]";
        CheckKeys(mounts[i], p, {"tag", "path", "read_only"});
        if (!mounts[i].contains("tag") || !mounts[i].contains("path")) Fail(p, "needs both \"tag\" and \"path\"");
        PlanInit::Mount m;
        m.tag = String(mounts[i]["tag"], p + ".tag");
        m.path = String(mounts[i]["path"], p + ".path");
        if (mounts[i].contains("read_only")) {
          if (!mounts[i]["read_only"].is_boolean()) Fail(p + ".read_only", "expected true or false");
          m.read_only = mounts[i]["read_only"].get<bool>();
        }
        init.mounts.push_back(std::move(m));
      }
    }
    if (v.contains("files")) {
      const json& files = v["files"];
      if (!files.is_array()) Fail(".init.files", "expected an array of {host, guest} objects");
      for (size_t i = 0; i < files.size(); ++i) {
        std::string p = ".init.files[" + std::to_string(i) + "]";
        CheckKeys(files[i], p, {"host", "guest", "mode"});
        if (!files[i].contains("host") || !files[i].contains("guest")) Fail(p, "needs both \"host\" and \"guest\"");
        PlanFile f;
        f.host = HostPath(files[i]["host"], p + ".host");
        f.guest = String(files[i]["guest"], p + ".guest");
        if (files[i].contains("mode")) f.mode = static_cast<uint32_t>(Unsigned(files[i]["mode"], p + ".mode", 07777));
        init.files.push_back(std::move(f));
      }
    }
    return init;
  }

  VmPlan Plan(const json& root) const {
    CheckKeys(root, "", {"version", "kernel", "initrd", "cmdline", "default_cmdline", "cpus", "memory_mib",
                         "timeout_ms", "bzimage_entry", "console", "virtio_on_cmdline", "disks", "net", "shares",
                         "input_port", "init"});
    if (!root.contains("version")) Fail(".version", "required (this tinyrange reads version 1)");
    uint64_t version = Unsigned(root["version"], ".version", UINT32_MAX);
    if (version != VmPlan::kVersion) {
      Fail(".version", "plan version " + std::to_string(version) + " is not supported (this tinyrange reads version 1)");
    }
    VmPlan plan;
    if (!root.contains("kernel")) Fail(".kernel", "required: the path of the kernel to boot");
    plan.kernel = HostPath(root["kernel"], ".kernel");
    if (root.contains("initrd")) plan.initrd = Strings(root["initrd"], ".initrd", true);
    if (root.contains("cmdline")) plan.cmdline = String(root["cmdline"], ".cmdline");
    if (root.contains("default_cmdline")) plan.default_cmdline = Bool(root["default_cmdline"], ".default_cmdline");
    if (root.contains("cpus")) plan.cpus = static_cast<uint32_t>(Unsigned(root["cpus"], ".cpus", UINT32_MAX));
    if (root.contains("memory_mib")) plan.memory_mib = Unsigned(root["memory_mib"], ".memory_mib", UINT64_MAX);
    if (root.contains("timeout_ms")) plan.timeout_ms = Unsigned(root["timeout_ms"], ".timeout_ms", UINT64_MAX);
    if (root.contains("bzimage_entry")) plan.bzimage_entry = String(root["bzimage_entry"], ".bzimage_entry");
    if (root.contains("console")) plan.console = String(root["console"], ".console");
    if (root.contains("input_port")) plan.input_port = String(root["input_port"], ".input_port");
    if (root.contains("virtio_on_cmdline")) {
      plan.virtio_on_cmdline = Bool(root["virtio_on_cmdline"], ".virtio_on_cmdline");
    }
    if (root.contains("disks")) {
      const json& disks = root["disks"];
      if (!disks.is_array()) Fail(".disks", "expected an array of {path, read_only, id} objects");
      for (size_t i = 0; i < disks.size(); ++i) {
        std::string p = ".disks[" + std::to_string(i) + "]";
        CheckKeys(disks[i], p, {"path", "parts", "read_only", "id", "direct"});
        if (disks[i].contains("path") == disks[i].contains("parts")) {
          Fail(p + ".path", "give either \"path\" (a disk image) or \"parts\" (files for an archive disk)");
        }
        PlanDisk d;
        if (disks[i].contains("path")) d.path = HostPath(disks[i]["path"], p + ".path");
        if (disks[i].contains("parts")) {
          d.parts = Strings(disks[i]["parts"], p + ".parts", true);
          d.read_only = true;
        }
        if (disks[i].contains("read_only")) d.read_only = Bool(disks[i]["read_only"], p + ".read_only");
        if (disks[i].contains("id")) d.id = String(disks[i]["id"], p + ".id");
        if (disks[i].contains("direct")) d.direct = Bool(disks[i]["direct"], p + ".direct");
        plan.disks.push_back(std::move(d));
      }
    }
    if (root.contains("net")) {
      const json& n = root["net"];
      CheckKeys(n, ".net", {"backend", "mac", "publish"});
      PlanNet net;
      if (n.contains("backend")) net.backend = String(n["backend"], ".net.backend");
      if (n.contains("mac")) net.mac = String(n["mac"], ".net.mac");
      if (n.contains("publish")) net.publish = Strings(n["publish"], ".net.publish");
      plan.net = std::move(net);
    }
    if (root.contains("shares")) {
      const json& shares = root["shares"];
      if (!shares.is_array()) Fail(".shares", "expected an array of {path, tag, read_only} objects");
      for (size_t i = 0; i < shares.size(); ++i) {
        std::string p = ".shares[" + std::to_string(i) + "]";
        CheckKeys(shares[i], p, {"path", "tag", "read_only"});
        if (!shares[i].contains("path") || !shares[i].contains("tag")) Fail(p, "needs both \"path\" and \"tag\"");
        PlanShare share;
        share.path = HostPath(shares[i]["path"], p + ".path");
        share.tag = String(shares[i]["tag"], p + ".tag");
        if (shares[i].contains("read_only")) share.read_only = Bool(shares[i]["read_only"], p + ".read_only");
        plan.shares.push_back(std::move(share));
      }
    }
    if (root.contains("init")) plan.init = Init(root["init"]);
    return plan;
  }

 private:
  std::string source_;
  std::string base_;
};

}  // namespace

virtio::NetOptions ToNetOptions(const PlanNet& net) {
  virtio::NetOptions options;
  virtio::ParseNetBackend(net.backend, &options);
  if (!net.mac.empty()) options.mac = virtio::ParseMacAddress(net.mac);
  for (const auto& p : net.publish) options.publish.push_back(virtio::ParsePortForward(p));
  virtio::ValidateNetOptions(options);
  return options;
}

void ValidateVmPlan(const VmPlan& plan, const std::string& source) {
  auto fail = [&](const std::string& what) { throw VmmError(source.empty() ? what : source + ": " + what); };
  if (plan.kernel.empty()) fail(".kernel: required: the path of the kernel to boot");
  if (plan.cpus < 1 || plan.cpus > 254) fail(".cpus: must be between 1 and 254");
  if (plan.memory_mib < 16 || plan.memory_mib > (1ULL << 20)) fail(".memory_mib: must be between 16 and 1048576");
  if (plan.bzimage_entry != "auto" && plan.bzimage_entry != "linux64" && plan.bzimage_entry != "pvh") {
    fail(".bzimage_entry: must be \"auto\", \"linux64\" or \"pvh\", not \"" + plan.bzimage_entry + "\"");
  }
  if (plan.console != "serial" && plan.console != "virtio" && plan.console != "split") {
    fail(".console: must be \"serial\", \"virtio\" or \"split\", not \"" + plan.console + "\"");
  }
  size_t devices = plan.disks.size() + plan.shares.size() + (plan.console != "serial" ? 1 : 0) + (plan.net ? 1 : 0) +
                   (plan.input_port.empty() ? 0 : 1);
  if (devices > 18) fail(".disks: at most 18 virtio devices (disks, shares, net, consoles) are supported");
  if (!plan.input_port.empty() && !IsValidPortName(plan.input_port)) {
    fail(".input_port: \"" + plan.input_port + "\" must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  if (plan.net) {
    // The spellings are the command line's; their parsers say what is wrong.
    try {
      ToNetOptions(*plan.net);
    } catch (const VmmError& e) {
      fail(std::string(".net: ") + e.what());
    }
  }
  for (size_t i = 0; i < plan.shares.size(); ++i) {
    const std::string& tag = plan.shares[i].tag;
    std::string p = ".shares[" + std::to_string(i) + "]";
    if (tag.empty() || tag.size() > 36) fail(p + ".tag: must be 1 to 36 bytes (the guest mounts it by this name)");
    for (size_t j = 0; j < i; ++j) {
      if (plan.shares[j].tag == tag) fail(p + ".tag: \"" + tag + "\" is used by two shares");
    }
  }
  for (size_t i = 0; i < plan.disks.size(); ++i) {
    if (plan.disks[i].id.size() > 20) fail(".disks[" + std::to_string(i) + "].id: at most 20 bytes");
    if (plan.disks[i].direct && !plan.disks[i].parts.empty()) {
      fail(".disks[" + std::to_string(i) + "].direct: an archive disk is read through the page cache");
    }
  }
  if (plan.init) {
    if (plan.init->argv.empty() || plan.init->argv[0].empty()) fail(".init.argv: needs at least the command to run");
    if (plan.init->cwd.empty() || plan.init->cwd[0] != '/') fail(".init.cwd: must be an absolute guest path");
    for (size_t i = 0; i < plan.init->env.size(); ++i) {
      const std::string& e = plan.init->env[i];
      if (e.find('=') == std::string::npos || e[0] == '=') {
        fail(".init.env[" + std::to_string(i) + "]: expected NAME=VALUE, got \"" + e + "\"");
      }
    }
    for (size_t i = 0; i < plan.init->files.size(); ++i) {
      const std::string& g = plan.init->files[i].guest;
      if (g.empty() || g[0] != '/') {
        fail(".init.files[" + std::to_string(i) + "].guest: must be an absolute guest path");
      }
    }
    const PlanInit& init = *plan.init;
    if (init.console.empty() || init.console[0] != '/') fail(".init.console: must be an absolute guest path");
    if (!init.stderr_console.empty() && init.stderr_console[0] != '/') {
      fail(".init.stderr_console: must be an absolute guest path");
    }
    if (!init.stdin_port.empty() && init.stdin_port != plan.input_port) {
      fail(".init.stdin_port: \"" + init.stdin_port + "\" is not the plan's input_port (\"" + plan.input_port + "\")");
    }
    auto has_disk = [&plan](const std::string& id) {
      for (const PlanDisk& d : plan.disks) {
        if (d.id == id) return true;
      }
      return false;
    };
    if (!init.archives_disk.empty() && !has_disk(init.archives_disk)) {
      fail(".init.archives_disk: no disk has the id \"" + init.archives_disk + "\"");
    }
    if (!init.capture_disk.empty()) {
      if (init.archives_disk.empty()) fail(".init.capture_disk: needs archives_disk (there is nothing to capture)");
      if (!has_disk(init.capture_disk)) fail(".init.capture_disk: no disk has the id \"" + init.capture_disk + "\"");
    }
    if (!init.root_disk.empty()) {
      if (init.archives_disk.empty()) fail(".init.root_disk: needs archives_disk (the root is built from them)");
      if (!has_disk(init.root_disk)) fail(".init.root_disk: no disk has the id \"" + init.root_disk + "\"");
      for (const PlanDisk& d : plan.disks) {
        if (d.id == init.root_disk && d.read_only) fail(".init.root_disk: the disk \"" + d.id + "\" is read-only");
      }
    }
    if (!init.output.empty()) {
      size_t space = init.output.find(' ');
      if (space == std::string::npos || space + 1 >= init.output.size() || init.output[space + 1] != '/') {
        fail(".init.output: expected \"DISK_ID /GUEST/PATH\"");
      }
      if (!has_disk(init.output.substr(0, space))) {
        fail(".init.output: no disk has the id \"" + init.output.substr(0, space) + "\"");
      }
    }
    for (size_t i = 0; i < init.mounts.size(); ++i) {
      const PlanInit::Mount& m = init.mounts[i];
      std::string p = ".init.mounts[" + std::to_string(i) + "]";
      if (m.path.empty() || m.path[0] != '/') fail(p + ".path: must be an absolute guest path");
      if (m.tag.empty() || m.tag.find_first_of(" \t\n") != std::string::npos) fail(p + ".tag: must be one word");
      if (m.path.find_first_of(" \t\n") != std::string::npos) fail(p + ".path: must not contain spaces");
    }
  }
}

VmPlan ParseVmPlan(const std::string& json_text, const std::string& source, const std::string& base_directory) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    // nlohmann reports the byte offset; turn it into line and column.
    size_t offset = std::min(e.byte, json_text.size());
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < offset; ++i) {
      if (json_text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw VmmError(source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": invalid JSON");
  }
  VmPlan plan = PlanReader(source, base_directory).Plan(root);
  ValidateVmPlan(plan, source);
  return plan;
}

VmPlan LoadVmPlan(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw VmmError("cannot read plan " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string base = std::filesystem::path(path).parent_path().string();
  return ParseVmPlan(buffer.str(), path, base.empty() ? "." : base);
}

std::string SerializeVmPlan(const VmPlan& plan) {
  json root = {{"version", VmPlan::kVersion}, {"kernel", plan.kernel}};
  if (!plan.initrd.empty()) root["initrd"] = plan.initrd;
  if (!plan.cmdline.empty()) root["cmdline"] = plan.cmdline;
  if (!plan.default_cmdline) root["default_cmdline"] = false;
  root["cpus"] = plan.cpus;
  root["memory_mib"] = plan.memory_mib;
  if (plan.timeout_ms) root["timeout_ms"] = plan.timeout_ms;
  if (plan.bzimage_entry != "auto") root["bzimage_entry"] = plan.bzimage_entry;
  if (plan.console != "serial") root["console"] = plan.console;
  if (plan.virtio_on_cmdline) root["virtio_on_cmdline"] = true;
  if (!plan.input_port.empty()) root["input_port"] = plan.input_port;
  if (!plan.disks.empty()) {
    json disks = json::array();
    for (const auto& d : plan.disks) {
      json jd = json::object();
      if (d.parts.empty()) {
        jd["path"] = d.path;
      } else {
        jd["parts"] = d.parts;
      }
      if (d.read_only) jd["read_only"] = true;
      if (!d.id.empty()) jd["id"] = d.id;
      if (d.direct) jd["direct"] = true;
      disks.push_back(jd);
    }
    root["disks"] = disks;
  }
  if (plan.net) {
    json net = {{"backend", plan.net->backend}};
    if (!plan.net->mac.empty()) net["mac"] = plan.net->mac;
    if (!plan.net->publish.empty()) net["publish"] = plan.net->publish;
    root["net"] = net;
  }
  if (!plan.shares.empty()) {
    json shares = json::array();
    for (const auto& share : plan.shares) {
      shares.push_back({{"path", share.path}, {"tag", share.tag}, {"read_only", share.read_only}});
    }
    root["shares"] = shares;
  }
  if (plan.init) {
    const PlanInit& i = *plan.init;
    json init = {{"argv", i.argv}, {"cwd", i.cwd}, {"hostname", i.hostname}, {"uid", i.uid}, {"gid", i.gid}};
    if (!i.binary.empty()) init["binary"] = i.binary;
    if (!i.network.empty()) init["network"] = i.network;
    if (!i.env.empty()) init["env"] = i.env;
    if (!i.modules.empty()) init["modules"] = i.modules;
    if (i.console != "/dev/console") init["console"] = i.console;
    if (!i.stderr_console.empty()) init["stderr_console"] = i.stderr_console;
    if (!i.output.empty()) init["output"] = i.output;
    if (!i.stdin_port.empty()) init["stdin_port"] = i.stdin_port;
    if (i.terminal_cols != 0) init["terminal_size"] = {{"cols", i.terminal_cols}, {"rows", i.terminal_rows}};
    if (!i.archives_disk.empty()) init["archives_disk"] = i.archives_disk;
    if (!i.capture_disk.empty()) init["capture_disk"] = i.capture_disk;
    if (!i.root_disk.empty()) init["root_disk"] = i.root_disk;
    if (i.ignore_script_errors) init["script_errors"] = "ignore";
    if (!i.mounts.empty()) {
      json mounts = json::array();
      for (const auto& m : i.mounts) mounts.push_back({{"tag", m.tag}, {"path", m.path}, {"read_only", m.read_only}});
      init["mounts"] = mounts;
    }
    if (!i.files.empty()) {
      json files = json::array();
      for (const auto& f : i.files) {
        json jf = {{"host", f.host}, {"guest", f.guest}};
        if (f.mode) jf["mode"] = *f.mode;
        files.push_back(jf);
      }
      init["files"] = files;
    }
    root["init"] = init;
  }
  return root.dump(2) + "\n";
}

}  // namespace tinyrange
