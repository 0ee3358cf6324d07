#include "builder/build/kernel_bundle.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "builder/archive/archive_reader.h"
#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"
#include "builder/build/module_info.h"
#include "builder/download/cache_file.h"
#include "builder/packages/decompress.h"

namespace tinyrange::build {

const std::vector<std::string>& GuestKernelModules() {
  static const std::vector<std::string> modules = {"virtio_mmio", "virtio_blk", "virtio_console", "virtio_net",
                                                   "virtiofs"};
  return modules;
}

namespace {

constexpr const char* kModuleSuffixes[] = {".ko", ".ko.xz", ".ko.gz", ".ko.zst"};

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Modules are a few MiB at most; anything far larger is not one.
constexpr uint64_t kMaxModuleBytes = 256ULL << 20;

}  // namespace

bool IsModuleFile(const std::string& path) {
  for (const char* suffix : kModuleSuffixes) {
    if (EndsWith(path, suffix)) return true;
  }
  return false;
}

std::string ModuleElf(const std::string& path, std::string bytes) {
  if (EndsWith(path, ".ko")) return bytes;
  // The decompressor passes data it does not recognise through unchanged;
  // a file that is not what its name says is an error instead.
  static const std::pair<std::string_view, std::string_view> kMagic[] = {
      {".xz", std::string_view("\xfd" "7zXZ\0", 6)}, {".gz", "\x1f\x8b"}, {".zst", "\x28\xb5\x2f\xfd"}};
  for (const auto& [suffix, magic] : kMagic) {
    if (EndsWith(path, suffix) && std::string_view(bytes).substr(0, magic.size()) != magic) {
      throw BuildError(path + ": not " + std::string(suffix.substr(1)) + " data; the kernel package is damaged");
    }
  }
  std::string error;
  std::optional<std::string> elf = packages::DecompressBuffer(bytes, path, &error, kMaxModuleBytes);
  if (!elf) throw BuildError(error);
  return std::move(*elf);
}

std::string ModuleNameOf(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  for (const char* suffix : kModuleSuffixes) {
    if (EndsWith(name, suffix)) {
      name.resize(name.size() - std::string_view(suffix).size());
      break;
    }
  }
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

std::vector<std::string> ModuleLoadOrder(const std::map<std::string, std::vector<std::string>>& depends,
                                         const std::set<std::string>& builtin, const std::vector<std::string>& wanted) {
  std::vector<std::string> order;
  std::set<std::string> placed, visiting;
  std::function<void(const std::string&, const std::string&)> place = [&](const std::string& name,
                                                                          const std::string& needed_by) {
    if (placed.count(name) || builtin.count(name)) return;
    auto it = depends.find(name);
    if (it == depends.end()) {
      throw BuildError("the kernel has no module " + name + (needed_by.empty() ? "" : " (needed by " + needed_by + ")") +
                       " and does not have it built in");
    }
    if (!visiting.insert(name).second) throw BuildError("kernel modules depend on each other in a cycle through " + name);
    for (const std::string& dep : it->second) place(ModuleNameOf(dep), name);
    visiting.erase(name);
    placed.insert(name);
    order.push_back(name);
  };
  for (const std::string& name : wanted) place(ModuleNameOf(name), "");
  return order;
}

namespace {

class KernelBundleDefinition final : public Definition {
 public:
  KernelBundleDefinition(DefinitionPtr plan, std::vector<std::string> modules)
      : plan_(std::move(plan)), modules_(std::move(modules)) {}
  std::string Kind() const override { return "kernel_bundle"; }
  nlohmann::json Parameters() const override { return {{"modules", modules_}}; }
  std::vector<DefinitionPtr> Inputs() const override { return {plan_}; }
  bool OutputIsDirectory() const override { return true; }
  std::string Describe() const override { return "kernel_bundle of " + plan_->Describe(); }

  void Build(BuildContext& ctx) const override {
    std::string archive = KernelArchive(ctx);
    // Pass 1: every module's dependencies, the built-in list, the version.
    std::string version;
    std::map<std::string, std::vector<std::string>> depends;
    std::map<std::string, std::string> path_of;  // module name -> archive entry
    std::set<std::string> builtin;
    {
      archive::ArchiveReader reader(archive);
      while (auto entry = reader.Next()) {
        const std::string& n = entry->name;
        if (entry->type != archive::EntryType::kFile) continue;
        // Under /usr from trixie on (the merged-/usr move), /lib before.
        size_t start = n.rfind("lib/modules/", 0) == 0 ? 12 : n.rfind("usr/lib/modules/", 0) == 0 ? 16 : 0;
        if (start == 0) continue;
        size_t slash = n.find('/', start);
        if (slash == std::string::npos) continue;
        std::string entry_version = n.substr(start, slash - start);
        if (!version.empty() && entry_version != version) {
          throw BuildError(plan_->Describe() + ": the kernel package holds modules of two versions (" + version +
                           ", " + entry_version + ")");
        }
        version = entry_version;
        std::string file = n.substr(slash + 1);
        if (file == "modules.builtin") {
          std::istringstream lines(reader.ReadAll());
          for (std::string line; std::getline(lines, line);) {
            if (!line.empty()) builtin.insert(ModuleNameOf(line));
          }
        } else if (IsModuleFile(file)) {
          std::string name = ModuleNameOf(file);
          depends[name] = ModuleDependencies(ModuleElf(n, reader.ReadAll()), n);
          path_of[name] = n;
        }
      }
    }
    if (version.empty()) {
      throw BuildError(plan_->Describe() + ": the kernel package has no lib/modules/VERSION/ (nor usr/lib/modules/)");
    }
    if (depends.empty()) {
      throw BuildError(plan_->Describe() + ": the kernel package has no modules (.ko, .ko.xz, .ko.gz, .ko.zst) under "
                       "lib/modules/" + version + "/");
    }
    std::vector<std::string> order = ModuleLoadOrder(depends, builtin, modules_);
    std::map<std::string, std::string> wanted;  // archive name -> output name
    for (const std::string& name : order) wanted[path_of.at(name)] = name + ".ko";
    std::string image_name = "boot/vmlinuz-" + version;

    // Pass 2: the image and the modules to load.
    std::filesystem::create_directories(ctx.output() + "/modules");
    bool have_image = false;
    archive::ArchiveReader reader(archive);
    while (auto entry = reader.Next()) {
      if (entry->type != archive::EntryType::kFile) continue;
      std::string target;
      std::ofstream out;
      if (entry->name == image_name) {
        target = ctx.output() + "/vmlinuz";
        have_image = true;
        out.open(target, std::ios::binary);
        char buffer[1 << 16];
        while (size_t n = reader.Read(buffer, sizeof buffer)) out.write(buffer, static_cast<std::streamsize>(n));
      } else if (auto it = wanted.find(entry->name); it != wanted.end()) {
        target = ctx.output() + "/modules/" + it->second;
        std::string elf = ModuleElf(entry->name, reader.ReadAll());
        out.open(target, std::ios::binary);
        out.write(elf.data(), static_cast<std::streamsize>(elf.size()));
      } else {
        continue;
      }
      out.close();
      if (!out) throw BuildError("cannot write " + target);
    }
    if (!have_image) throw BuildError(plan_->Describe() + ": the kernel package has no " + image_name);
    nlohmann::json bundle = {{"kernel_version", version}, {"modules", order}};
    std::string error;
    if (!download::WriteFileAtomically(ctx.output() + "/bundle.json", bundle.dump(1) + "\n", &error)) {
      throw BuildError(error);
    }
  }

  // The archive of the plan's linux-image-VERSION package (the one with
  // the image, not the metapackage that depends on it).
  std::string KernelArchive(BuildContext& ctx) const {
    std::ifstream in(ctx.input(0) + "/plan.json");
    nlohmann::json plan = nlohmann::json::parse(in, nullptr, false);
    if (plan.is_discarded() || !plan.contains("packages")) throw BuildError(ctx.input(0) + "/plan.json is not a plan");
    std::vector<std::string> paths = PlanArchives(ctx.input(0), ctx.options().cache_root);
    for (size_t i = 0; i < plan["packages"].size(); ++i) {
      std::string name = plan["packages"][i].value("name", "");
      if (name.rfind("linux-image-", 0) != 0) continue;
      // The versioned package's name has a digit after the prefix.
      if (name.size() > 12 && name[12] >= '0' && name[12] <= '9') return paths.at(i);
    }
    throw BuildError(plan_->Describe() + " has no linux-image-VERSION package");
  }

  DefinitionPtr plan_;
  std::vector<std::string> modules_;
};

}  // namespace

DefinitionPtr DebianCloudKernel(const std::string& distro) {
  PackageRequest request;
  request.distro = distro;
  request.packages = {"linux-image-cloud-amd64"};
  return KernelBundle(PackagePlan(request));
}

DefinitionPtr KernelBundle(DefinitionPtr kernel_plan, std::vector<std::string> modules) {
  if (!kernel_plan) throw BuildError("kernel_bundle: no kernel plan");
  return std::make_shared<KernelBundleDefinition>(std::move(kernel_plan), std::move(modules));
}

}  // namespace tinyrange::build
