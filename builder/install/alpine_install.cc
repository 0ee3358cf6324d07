#include "builder/install/alpine_install.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "builder/install/apk_pkginfo.h"
#include "builder/install/digest.h"
#include "builder/install/install_error.h"
#include "builder/install/script_interpreter.h"
#include "builder/install/install_steps_writer.h"
#include "builder/install/package_contents.h"
#include "builder/install/tree_writer.h"
#include "guest-init/install_steps.h"

namespace tinyrange::install {

namespace {

struct ApkFile {
  std::string name;  // within its directory
  const PackagePath* path = nullptr;
};

struct ApkDirectory {
  std::string name;                    // relative, "" for the root
  const PackagePath* entry = nullptr;  // the archive's directory entry, if any
  std::vector<ApkFile> files;
};

// `directories` points into `contents.paths`: moving the package keeps the
// vector's buffer, so the pointers stay valid.
struct ApkPackage {
  const PlannedArchive* planned = nullptr;
  PackageContents contents;
  PkgInfo info;
  std::string checksum;                   // "Q1..."
  std::vector<ApkDirectory> directories;  // in order of first appearance
};

// apk's "a:" / "M:" line: owner, group and permission bits in octal.
std::string Acl(char field, const PackagePath& path) {
  char line[64];
  std::snprintf(line, sizeof line, "%c:%u:%u:%o\n", field, path.uid, path.gid, path.mode & 07777);
  return line;
}

void GroupByDirectory(ApkPackage& package) {
  std::map<std::string, size_t> index;
  auto directory = [&](const std::string& name) -> ApkDirectory& {
    auto [it, added] = index.emplace(name, package.directories.size());
    if (added) package.directories.push_back({name, nullptr, {}});
    return package.directories[it->second];
  };
  for (const PackagePath& path : package.contents.paths) {
    if (path.type == archive::EntryType::kDirectory) {
      directory(path.name).entry = &path;
      continue;
    }
    size_t slash = path.name.rfind('/');
    std::string parent = slash == std::string::npos ? "" : path.name.substr(0, slash);
    directory(parent).files.push_back({path.name.substr(slash == std::string::npos ? 0 : slash + 1), &path});
  }
}

ApkPackage LoadPackage(const PlannedArchive& planned) {
  ApkPackage package;
  package.planned = &planned;
  package.contents = ReadPackageContents(planned, {.distro = "alpine", .sha1_files = true});
  std::string pkginfo_path = package.contents.metadata_dir + "/.PKGINFO";
  auto pkginfo = package.contents.control.find(".PKGINFO");
  if (pkginfo == package.contents.control.end()) {
    throw InstallError(PackageMessage(planned, "the package has no .PKGINFO", pkginfo_path));
  }
  std::string error;
  if (!package.info.Parse(pkginfo->second.data, &error)) {
    throw InstallError(PackageMessage(planned, ".PKGINFO is malformed: " + error, pkginfo_path));
  }
  std::string name = package.info.Get("pkgname");
  if (name.empty()) throw InstallError(PackageMessage(planned, ".PKGINFO has no pkgname", pkginfo_path));
  if (name != planned.name) {
    throw InstallError(PackageMessage(planned, ".PKGINFO is for package \"" + name + "\"", pkginfo_path));
  }
  if (package.info.Get("pkgver").empty()) {
    throw InstallError(PackageMessage(planned, ".PKGINFO has no pkgver", pkginfo_path));
  }
  if (planned.checksum.find_first_of("\n\r ") != std::string::npos) {
    throw InstallError(PackageMessage(planned, "the index checksum \"" + planned.checksum + "\" is malformed", ""));
  }
  package.checksum =
      planned.checksum.empty() ? ApkQ1(DigestOf(DigestKind::kSha1, pkginfo->second.data)) : planned.checksum;
  GroupByDirectory(package);
  return package;
}

std::string InstalledEntry(const ApkPackage& package) {
  const PkgInfo& info = package.info;
  std::string out;
  auto line = [&](char key, const std::string& value) { out += std::string(1, key) + ":" + value + "\n"; };
  auto optional = [&](char key, const std::string& value) {
    if (!value.empty() && value != "0") line(key, value);
  };
  line('C', package.checksum);
  line('P', info.Get("pkgname"));
  line('V', info.Get("pkgver"));
  optional('A', info.Get("arch"));
  line('S', std::to_string(package.planned->package_size));
  line('I', info.Get("size").empty() ? "0" : info.Get("size"));
  line('T', info.Get("pkgdesc"));
  line('U', info.Get("url"));
  line('L', info.Get("license"));
  optional('o', info.Get("origin"));
  optional('m', info.Get("maintainer"));
  optional('t', info.Get("builddate"));
  optional('c', info.Get("commit"));
  optional('k', info.Get("provider_priority"));
  optional('D', info.Joined("depend"));
  optional('p', info.Joined("provides"));
  optional('i', info.Joined("install_if"));
  optional('r', info.Joined("replaces"));
  optional('q', info.Get("replaces_priority"));
  for (const ApkDirectory& directory : package.directories) {
    line('F', directory.name);
    const PackagePath* entry = directory.entry;
    if (entry && !(entry->uid == 0 && entry->gid == 0 && (entry->mode & 07777) == 0755)) out += Acl('M', *entry);
    for (const ApkFile& file : directory.files) {
      line('R', file.name);
      const PackagePath& path = *file.path;
      if (!(path.uid == 0 && path.gid == 0 && (path.mode & 07777) == 0644)) out += Acl('a', path);
      if (!path.sha1.empty()) line('Z', ApkQ1(path.sha1));
    }
  }
  out += '\n';
  return out;
}

std::vector<std::string> TriggerGlobs(const ApkPackage& package) {
  std::vector<std::string> globs;
  for (const std::string& value : package.info.All("triggers")) {
    size_t start = 0;
    while (start < value.size()) {
      size_t end = value.find(' ', start);
      if (end == std::string::npos) end = value.size();
      if (end > start) globs.push_back(value.substr(start, end - start));
      start = end + 1;
    }
  }
  return globs;
}

// The argv of a script of the package: run directly when it is executable,
// else through /bin/sh (apk writes scripts out 0755 itself, so it never
// depends on the mode the package gave them).
std::vector<std::string> ScriptArgv(const ApkPackage& package, const std::string& script) {
  std::string path = "/" + package.contents.metadata_dir + "/" + script;
  const ControlFile& file = package.contents.control.at(script);
  if (file.mode & 0100) return {path};
  return {"/bin/sh", path};
}

std::vector<InstallStep> Steps(const std::vector<ApkPackage>& packages) {
  std::vector<InstallStep> steps;
  for (const ApkPackage& package : packages) {
    const std::string& name = package.planned->name;
    std::string version = package.info.Get("pkgver");
    for (const char* script : {".pre-install", ".post-install"}) {
      if (!package.contents.control.count(script)) continue;
      InstallStep step{name + ": " + (script + 1), ScriptArgv(package, script), {}};
      step.argv.push_back(version);
      steps.push_back(std::move(step));
    }
  }
  std::set<std::string> directories;  // absolute
  for (const ApkPackage& package : packages) {
    for (const ApkDirectory& directory : package.directories) {
      if (!directory.files.empty()) directories.insert("/" + directory.name);
    }
  }
  for (const ApkPackage& package : packages) {
    if (!package.contents.control.count(".trigger")) continue;
    std::vector<std::string> globs = TriggerGlobs(package);
    InstallStep step{package.planned->name + ": trigger", ScriptArgv(package, ".trigger"), {}};
    size_t before = step.argv.size();
    for (const std::string& directory : directories) {
      bool match = std::any_of(globs.begin(), globs.end(), [&](const std::string& glob) {
        return ::fnmatch(glob.c_str(), directory.c_str(), FNM_PATHNAME) == 0;
      });
      if (match) step.argv.push_back(directory);
    }
    if (step.argv.size() > before) steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace

InstallResult InstallAlpinePackages(const std::vector<PlannedArchive>& planned, const InstallOptions& options) {
  std::vector<ApkPackage> packages;
  packages.reserve(planned.size());
  std::set<std::string> names;
  for (const PlannedArchive& archive : planned) {
    if (!names.insert(archive.name).second) {
      throw InstallError(PackageMessage(archive, "the package appears twice in the plan", archive.archive_path));
    }
    packages.push_back(LoadPackage(archive));
  }

  std::string installed, triggers;
  for (const ApkPackage& package : packages) {
    installed += InstalledEntry(package);
    std::vector<std::string> globs = TriggerGlobs(package);
    if (package.contents.control.count(".trigger") && !globs.empty()) {
      triggers += package.checksum;
      for (const std::string& glob : globs) triggers += " " + glob;
      triggers += "\n";
    }
  }
  std::set<std::string> requested(options.requested.begin(), options.requested.end());
  std::string world;
  for (const std::string& name : requested) {
    if (name.empty() || name.find_first_of(" \t\n") != std::string::npos) {
      throw InstallError("etc/apk/world: the requested name \"" + name + "\" is not a package name");
    }
    world += name + "\n";
  }

  // Every script that will run needs its interpreter in the new root.
  std::set<std::string> paths;
  for (const ApkPackage& package : packages) {
    for (const PackagePath& path : package.contents.paths) paths.insert("/" + path.name);
  }
  for (const ApkPackage& package : packages) {
    for (const char* script : {".pre-install", ".post-install", ".trigger"}) {
      auto it = package.contents.control.find(script);
      if (it == package.contents.control.end()) continue;
      std::string interpreter = (it->second.mode & 0100) ? ScriptInterpreter(it->second.data) : "/bin/sh";
      RequireInterpreter(package.planned->name, script + 1, interpreter, paths,
                         "Add a package that provides it (for /bin/sh: busybox).");
    }
  }

  TreeWriter database(options.database_archive, options.mtime);
  database.AddFile("etc/apk/world", world, 0644);
  database.AddFile("lib/apk/db/installed", installed, 0644);
  database.AddFile("lib/apk/db/triggers", triggers, 0644);

  InstallResult result = WriteStepsArchive(Steps(packages), options);
  result.database_sha256 = database.Commit();
  return result;
}

}  // namespace tinyrange::install
