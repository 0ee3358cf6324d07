#include "builder/install/debian_install.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "builder/install/deb_control.h"
#include "builder/install/install_error.h"
#include "builder/install/merged_usr.h"
#include "builder/install/script_interpreter.h"
#include "builder/install/package_contents.h"
#include "builder/install/tree_writer.h"
#include "guest-init/install_steps.h"

namespace tinyrange::install {

namespace {

constexpr const char* kAdminDir = "var/lib/dpkg";

// A package as the installer needs it once its archive has been read.
struct DebPackage {
  const PlannedArchive* planned = nullptr;
  std::string name;
  std::string arch;
  std::string info_name;  // "name" or "name:arch" (Multi-Arch: same)
  std::vector<ControlField> fields;
  std::map<std::string, ControlFile> control;  // control files other than "control"
  std::vector<std::string> paths;              // absolute
  std::string conffiles_field;
  DebTriggers triggers;
};

bool IsScript(const std::string& member) {
  return member == "preinst" || member == "postinst" || member == "prerm" || member == "postrm" || member == "config";
}

DebPackage LoadPackage(const PlannedArchive& planned) {
  PackageContents contents = ReadPackageContents(planned, {.distro = "debian", .md5_conffiles = true});
  DebPackage package;
  package.planned = &planned;
  package.name = planned.name;
  std::string control_path = contents.metadata_dir + "/control";
  auto control = contents.control.find("control");
  if (control == contents.control.end()) {
    throw InstallError(PackageMessage(planned, "the package has no control file", control_path));
  }
  std::string error;
  if (!ParseControlStanza(control->second.data, &package.fields, &error)) {
    throw InstallError(PackageMessage(planned, "the control file is malformed: " + error, control_path));
  }
  std::string field_name = FieldValue(package.fields, "Package");
  if (field_name.empty())
    throw InstallError(PackageMessage(planned, "control file has no Package field", control_path));
  if (field_name != planned.name) {
    throw InstallError(PackageMessage(planned, "the control file is for package \"" + field_name + "\"", control_path));
  }
  package.arch = FieldValue(package.fields, "Architecture");
  if (package.arch.empty()) package.arch = planned.architecture;
  bool same = FieldValue(package.fields, "Multi-Arch") == "same";
  if (same && (package.arch.empty() || package.arch == "all")) {
    throw InstallError(PackageMessage(
        planned, "Multi-Arch: same needs a real Architecture, not \"" + package.arch + "\"", control_path));
  }
  package.info_name = same ? package.name + ":" + package.arch : package.name;

  package.paths.push_back("/.");
  std::map<std::string, std::string> content_md5;  // absolute path -> hex
  for (const PackagePath& path : contents.paths) {
    package.paths.push_back("/" + path.name);
    if (!path.md5hex.empty()) content_md5["/" + path.name] = path.md5hex;
  }

  std::map<std::string, std::string> md5sums;
  if (auto it = contents.control.find("md5sums"); it != contents.control.end()) md5sums = ParseMd5sums(it->second.data);
  if (auto it = contents.control.find("conffiles"); it != contents.control.end()) {
    for (const Conffile& conffile : ParseConffiles(it->second.data)) {
      if (!conffile.path.starts_with('/')) {
        throw InstallError(PackageMessage(planned, "conffile \"" + conffile.path + "\" is not an absolute path",
                                          contents.metadata_dir + "/conffiles"));
      }
      // dpkg records the digest of the conffile it installed; packages'
      // md5sums usually leave conffiles out, so the content comes first.
      std::string md5 = "newconffile";
      if (auto found = content_md5.find(conffile.path); found != content_md5.end()) {
        md5 = found->second;
      } else if (auto listed = md5sums.find(conffile.path.substr(1)); listed != md5sums.end()) {
        md5 = listed->second;
      }
      package.conffiles_field += " " + conffile.path + " " + md5;
      for (const std::string& flag : conffile.flags) package.conffiles_field += " " + flag;
      package.conffiles_field += "\n";
    }
    if (!package.conffiles_field.empty()) package.conffiles_field.pop_back();  // AppendField ends the line
  }
  if (auto it = contents.control.find("triggers"); it != contents.control.end()) {
    if (!ParseDebTriggers(it->second.data, &package.triggers, &error)) {
      throw InstallError(
          PackageMessage(planned, "the triggers file is malformed: " + error, contents.metadata_dir + "/triggers"));
    }
  }
  contents.control.erase("control");
  package.control = std::move(contents.control);
  return package;
}

std::vector<std::string> ScriptEnv(const DebPackage& package, const char* script, size_t refcount) {
  return {
      "DPKG_MAINTSCRIPT_PACKAGE=" + package.name,
      "DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=" + std::to_string(refcount),
      "DPKG_MAINTSCRIPT_ARCH=" + package.arch,
      std::string("DPKG_MAINTSCRIPT_NAME=") + script,
      "DPKG_ADMINDIR=/var/lib/dpkg",
      "DPKG_ROOT=",
      "DPKG_RUNNING_VERSION=",
      "DEBIAN_FRONTEND=noninteractive",
      "DEBCONF_NONINTERACTIVE_SEEN=true",
  };
}

std::string ScriptPath(const DebPackage& package, const char* script) {
  return "/var/lib/dpkg/info/" + package.info_name + "." + script;
}

// Whether a file trigger on `trigger` (an absolute path) is activated by
// `path`: the path is the trigger's path or lies beneath it.
bool FileTriggerMatches(std::string trigger, const std::string& path) {
  while (trigger.size() > 1 && trigger.back() == '/') trigger.pop_back();
  return path == trigger || (path.size() > trigger.size() && path.starts_with(trigger) && path[trigger.size()] == '/');
}

std::vector<InstallStep> Steps(const std::vector<DebPackage>& packages) {
  std::map<std::string, size_t> refcount;
  for (const DebPackage& package : packages) ++refcount[package.name];
  std::vector<InstallStep> steps;
  for (const DebPackage& package : packages) {
    if (!package.control.count("preinst")) continue;
    steps.push_back({package.name + ": preinst install",
                     {ScriptPath(package, "preinst"), "install"},
                     ScriptEnv(package, "preinst", refcount[package.name])});
  }
  for (const DebPackage& package : packages) {
    if (!package.control.count("postinst")) continue;
    // dpkg passes the most recently configured version, "" on a fresh
    // install (src/main/configure.c), so $# is 2.
    steps.push_back({package.name + ": postinst configure",
                     {ScriptPath(package, "postinst"), "configure", ""},
                     ScriptEnv(package, "postinst", refcount[package.name])});
  }
  std::set<std::string> activated;
  for (const DebPackage& package : packages) {
    activated.insert(package.triggers.activations.begin(), package.triggers.activations.end());
  }
  for (const DebPackage& package : packages) {
    if (package.triggers.interests.empty() || !package.control.count("postinst")) continue;
    std::vector<std::string> names;
    for (const std::string& name : package.triggers.interests) {
      if (std::find(names.begin(), names.end(), name) != names.end()) continue;
      bool active = false;
      if (name.starts_with('/')) {
        for (const DebPackage& other : packages) {
          active = std::any_of(other.paths.begin() + 1, other.paths.end(),
                               [&](const std::string& path) { return FileTriggerMatches(name, path); });
          if (active) break;
        }
      } else {
        active = activated.count(name) > 0;
      }
      if (active) names.push_back(name);
    }
    if (names.empty()) continue;
    std::string joined;
    for (const std::string& name : names) joined += (joined.empty() ? "" : " ") + name;
    steps.push_back({package.name + ": postinst triggered",
                     {ScriptPath(package, "postinst"), "triggered", joined},
                     ScriptEnv(package, "postinst", refcount[package.name])});
  }
  return steps;
}

// var/lib/dpkg/triggers/: "File" maps file-trigger paths to the interested
// packages, and one file per explicit trigger name lists its packages;
// "/noawait" marks interest-noawait.
std::map<std::string, std::string> TriggerInterestFiles(const std::vector<DebPackage>& packages) {
  std::set<std::pair<std::string, std::string>> file_lines;  // (path, "pkg[/noawait]")
  std::map<std::string, std::set<std::string>> named;
  for (const DebPackage& package : packages) {
    auto it = package.control.find("triggers");
    if (it == package.control.end()) continue;
    for (const std::string& line : ControlLines(it->second.data)) {
      size_t space = line.find_first_of(" \t");
      std::string directive = line.substr(0, space);
      if (!directive.starts_with("interest")) continue;
      std::string name = line.substr(line.find_first_not_of(" \t", space));
      std::string who = package.info_name + (directive == "interest-noawait" ? "/noawait" : "");
      if (name.starts_with('/')) {
        file_lines.emplace(name, who);
      } else {
        named[name].insert(who);
      }
    }
  }
  std::map<std::string, std::string> files;
  if (!file_lines.empty()) {
    std::string& text = files["File"];
    for (const auto& [path, who] : file_lines) text += path + " " + who + "\n";
  }
  for (const auto& [name, whos] : named) {
    // A trigger name that cannot be a file name in the directory is left
    // out rather than written somewhere else.
    if (name == "File" || name == "Unincorp" || name == "Lock" || name.find('/') != std::string::npos ||
        name.starts_with('.')) {
      continue;
    }
    std::string& text = files[name];
    for (const std::string& who : whos) text += who + "\n";
  }
  return files;
}

std::string NativeArchitecture(const std::vector<DebPackage>& packages, const InstallOptions& options) {
  if (!options.native_architecture.empty()) return options.native_architecture;
  for (const DebPackage& package : packages) {
    if (!package.arch.empty() && package.arch != "all") return package.arch;
  }
  return "";
}

}  // namespace

InstallResult InstallDebianPackages(const std::vector<PlannedArchive>& planned, const InstallOptions& options) {
  std::vector<DebPackage> packages;
  packages.reserve(planned.size());
  std::set<std::string> info_names;
  for (const PlannedArchive& archive : planned) {
    packages.push_back(LoadPackage(archive));
    if (!info_names.insert(packages.back().info_name).second) {
      throw InstallError(PackageMessage(archive, "the package appears twice in the plan", archive.archive_path));
    }
  }

  // dpkg writes the status file sorted by package name, then architecture.
  std::vector<const DebPackage*> sorted;
  for (const DebPackage& package : packages) sorted.push_back(&package);
  std::sort(sorted.begin(), sorted.end(), [](const DebPackage* a, const DebPackage* b) {
    return std::tie(a->name, a->arch) < std::tie(b->name, b->arch);
  });

  std::string admin = kAdminDir;
  TreeWriter database(options.database_archive, options.mtime);
  for (const char* dir : {"alternatives", "info", "parts", "triggers", "updates"}) {
    database.AddDirectory(admin + "/" + dir);
  }
  std::string native = NativeArchitecture(packages, options);
  if (!native.empty()) {
    // Foreign architectures of the plan must be listed too, or dpkg in the
    // VM refuses those packages.
    std::set<std::string> foreign;
    for (const DebPackage& package : packages) {
      if (!package.arch.empty() && package.arch != "all" && package.arch != native) foreign.insert(package.arch);
    }
    std::string arch_file = native + "\n";
    for (const std::string& arch : foreign) arch_file += arch + "\n";
    database.AddFile(admin + "/arch", arch_file, 0644);
  }
  database.AddFile(admin + "/available", "", 0644);
  // The info directory's layout version: 1 names the files of Multi-Arch:
  // same packages "pkg:arch.*". Without it dpkg assumes the old layout and
  // finds no file lists for them.
  database.AddFile(admin + "/info/format", "1\n", 0644);
  std::string status;
  for (const DebPackage* package : sorted) status += StatusStanza(package->fields, package->conffiles_field);
  database.AddFile(admin + "/status", status, 0644);
  for (const DebPackage* package : sorted) {
    std::string prefix = admin + "/info/" + package->info_name + ".";
    std::string list;
    for (const std::string& path : package->paths) list += path + "\n";
    database.AddFile(prefix + "list", list, 0644);
    for (const auto& [member, file] : package->control) {
      database.AddFile(prefix + member, file.data, IsScript(member) ? 0755 : 0644);
    }
  }
  for (const auto& [name, text] : TriggerInterestFiles(packages)) {
    database.AddFile(admin + "/triggers/" + name, text, 0644);
  }

  // Every script that will run needs its interpreter in the new root.
  std::set<std::string> installed;
  for (const DebPackage& package : packages) installed.insert(package.paths.begin(), package.paths.end());
  for (const DebPackage& package : packages) {
    for (const char* script : {"preinst", "postinst"}) {
      auto it = package.control.find(script);
      if (it == package.control.end()) continue;
      std::string interpreter = ScriptInterpreter(it->second.data);
      if (installed.count(MergedUsrAlias(interpreter))) continue;  // the root is merged-/usr
      RequireInterpreter(package.name, script, interpreter, installed,
                         "Add a package that provides it (for /bin/sh: dash, which --base essential includes).");
    }
  }

  InstallResult result = WriteStepsArchive(Steps(packages), options);
  result.database_sha256 = database.Commit();
  return result;
}

}  // namespace tinyrange::install
