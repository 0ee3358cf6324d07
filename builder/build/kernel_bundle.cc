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
// Debian's image is boot/vmlinuz-VERSION, Alpine's boot/vmlinuz-FLAVOR.
const std::string kImagePrefix = "boot/vmlinuz-";

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
    std::vector<std::string> images;
    {
      archive::ArchiveReader reader(archive);
      while (auto entry = reader.Next()) {
        const std::string& n = entry->name;
        if (entry->type != archive::EntryType::kFile) continue;
        if (n.rfind(kImagePrefix, 0) == 0) images.push_back(n);
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
    std::string image_name = KernelImageEntry(images, version, plan_->Describe());

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
    if (!have_image) throw BuildError(plan_->Describe() + ": the kernel package's " + image_name + " is not a file");
    nlohmann::json bundle = {{"kernel_version", version}, {"modules", order}};
    std::string error;
    if (!download::WriteFileAtomically(ctx.output() + "/bundle.json", bundle.dump(1) + "\n", &error)) {
      throw BuildError(error);
    }
  }

  // The archive of the plan's kernel package (the one with the image, not
  // a metapackage that depends on it).
  std::string KernelArchive(BuildContext& ctx) const {
    std::ifstream in(ctx.input(0) + "/plan.json");
    nlohmann::json plan = nlohmann::json::parse(in, nullptr, false);
    if (plan.is_discarded() || !plan.contains("packages")) throw BuildError(ctx.input(0) + "/plan.json is not a plan");
    std::string family = plan.contains("family") && plan["family"].is_string() ? plan["family"].get<std::string>() : "";
    std::vector<std::string> paths = PlanArchives(ctx.input(0), ctx.options().cache_root);
    for (size_t i = 0; i < plan["packages"].size(); ++i) {
      const nlohmann::json& package = plan["packages"][i];
      std::string name = package.contains("name") && package["name"].is_string() ? package["name"].get<std::string>() : "";
      if (IsKernelPackage(family, name)) return paths.at(i);
    }
    throw BuildError(plan_->Describe() + " has no kernel package (Debian's linux-image-VERSION, Alpine's linux-FLAVOR)");
  }

  DefinitionPtr plan_;
  std::vector<std::string> modules_;
};

}  // namespace

DefinitionPtr DebianCloudKernel(const std::string& distro, const std::vector<std::string>& extra_modules) {
  PackageRequest source;
  source.distro = distro;
  return DistributionKernel(source, extra_modules);
}

DefinitionPtr DistributionKernel(PackageRequest source, const std::vector<std::string>& extra_modules) {
  source.base = "none";
  source.tags.clear();
  if (source.distro.rfind("debian:", 0) == 0) {
    source.packages = {"linux-image-cloud-amd64"};
  } else if (source.distro.rfind("alpine:", 0) == 0) {
    source.packages = {"linux-virt"};
  } else {
    throw BuildError("no distribution kernel for " + source.distro + " (debian:SUITE or alpine:VERSION)");
  }
  std::vector<std::string> modules = GuestKernelModules();
  modules.insert(modules.end(), extra_modules.begin(), extra_modules.end());
  return KernelBundle(PackagePlan(source), modules);
}

bool IsKernelPackage(const std::string& family, const std::string& name) {
  if (family == "debian") {
    constexpr std::string_view kPrefix = "linux-image-";
    return name.size() > kPrefix.size() && name.rfind(kPrefix, 0) == 0 && name[kPrefix.size()] >= '0' &&
           name[kPrefix.size()] <= '9';
  }
  if (family == "alpine") {
    constexpr std::string_view kPrefix = "linux-";
    if (name.size() <= kPrefix.size() || name.rfind(kPrefix, 0) != 0) return false;
    std::string flavor = name.substr(kPrefix.size());
    return flavor.find('-') == std::string::npos && flavor != "firmware" && flavor != "headers";
  }
  return false;
}

std::string KernelImageEntry(const std::vector<std::string>& images, const std::string& version,
                             const std::string& what) {
  if (images.size() == 1) return images[0];
  std::string versioned = kImagePrefix + version;
  for (const std::string& image : images) {
    if (image == versioned) return image;
  }
  if (images.empty()) throw BuildError(what + ": the kernel package has no " + kImagePrefix + "* image");
  std::string list;
  for (const std::string& image : images) list += (list.empty() ? "" : ", ") + image;
  throw BuildError(what + ": the kernel package has several images (" + list + ") and none is " + versioned);
}

DefinitionPtr KernelBundle(DefinitionPtr kernel_plan, std::vector<std::string> modules) {
  if (!kernel_plan) throw BuildError("kernel_bundle: no kernel plan");
  return std::make_shared<KernelBundleDefinition>(std::move(kernel_plan), std::move(modules));
}

}  // namespace tinyrange::build
