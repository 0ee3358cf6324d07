#include "builder/build/kernel_bundle.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "builder/archive/archive_reader.h"
#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"
#include "builder/build/module_info.h"
#include "builder/download/cache_file.h"

namespace tinyrange::build {

const std::vector<std::string>& GuestKernelModules() {
  static const std::vector<std::string> modules = {"virtio_mmio", "virtio_blk", "virtio_console", "virtio_net",
                                                   "virtiofs"};
  return modules;
}

std::string ModuleNameOf(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".ko") == 0) name.resize(name.size() - 3);
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
        if (n.rfind("lib/modules/", 0) != 0 || entry->type != archive::EntryType::kFile) continue;
        size_t slash = n.find('/', 12);
        if (slash == std::string::npos) continue;
        std::string entry_version = n.substr(12, slash - 12);
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
        } else if (file.size() > 3 && file.compare(file.size() - 3, 3, ".ko") == 0) {
          std::string name = ModuleNameOf(file);
          depends[name] = ModuleDependencies(reader.ReadAll(), n);
          path_of[name] = n;
        }
      }
    }
    if (version.empty()) throw BuildError(plan_->Describe() + ": the kernel package has no lib/modules/VERSION/");
    if (depends.empty()) {
      throw BuildError(plan_->Describe() + ": the kernel package has no uncompressed modules (.ko) under lib/modules/" +
                       version + "; compressed modules are not supported");
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
      std::string target;
      if (entry->name == image_name && entry->type == archive::EntryType::kFile) {
        target = ctx.output() + "/vmlinuz";
        have_image = true;
      } else if (auto it = wanted.find(entry->name); it != wanted.end() && entry->type == archive::EntryType::kFile) {
        target = ctx.output() + "/modules/" + it->second;
      } else {
        continue;
      }
      std::ofstream out(target, std::ios::binary);
      char buffer[1 << 16];
      while (size_t n = reader.Read(buffer, sizeof buffer)) out.write(buffer, static_cast<std::streamsize>(n));
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
