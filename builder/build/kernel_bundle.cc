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

std::vector<std::string> ModuleLoadOrder(const std::string& modules_dep, const std::string& builtin,
                                         const std::vector<std::string>& wanted) {
  std::map<std::string, std::string> path_of;                // module name -> path
  std::map<std::string, std::vector<std::string>> deps_of;  // path -> dependency paths
  std::istringstream lines(modules_dep);
  std::string line;
  while (std::getline(lines, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string path = line.substr(0, colon);
    std::istringstream rest(line.substr(colon + 1));
    std::vector<std::string> deps;
    for (std::string dep; rest >> dep;) deps.push_back(dep);
    path_of[ModuleNameOf(path)] = path;
    deps_of[path] = std::move(deps);
  }
  std::set<std::string> builtin_names;
  std::istringstream builtin_lines(builtin);
  while (std::getline(builtin_lines, line)) {
    if (!line.empty()) builtin_names.insert(ModuleNameOf(line));
  }

  std::vector<std::string> order;
  std::set<std::string> placed, visiting;
  std::function<void(const std::string&)> place = [&](const std::string& path) {
    if (placed.count(path)) return;
    if (!visiting.insert(path).second) throw BuildError("modules.dep has a dependency cycle through " + path);
    auto it = deps_of.find(path);
    if (it == deps_of.end()) throw BuildError("modules.dep names " + path + " as a dependency but has no line for it");
    for (const std::string& dep : it->second) place(dep);
    visiting.erase(path);
    placed.insert(path);
    order.push_back(path);
  };
  for (const std::string& name : wanted) {
    std::string normalized = ModuleNameOf(name);
    auto it = path_of.find(normalized);
    if (it != path_of.end()) {
      place(it->second);
    } else if (!builtin_names.count(normalized)) {
      throw BuildError("the kernel has no module " + name + " (not in modules.dep, not built in)");
    }
  }
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
    // Pass 1: the kernel version and the module tables. Pass 2: the files.
    std::string version, modules_dep, builtin;
    {
      archive::ArchiveReader reader(archive);
      while (auto entry = reader.Next()) {
        const std::string& n = entry->name;
        if (n.rfind("lib/modules/", 0) != 0 || entry->type != archive::EntryType::kFile) continue;
        size_t slash = n.find('/', 12);
        if (slash == std::string::npos) continue;
        std::string file = n.substr(slash + 1);
        if (file == "modules.dep") {
          version = n.substr(12, slash - 12);
          modules_dep = reader.ReadAll();
        } else if (file == "modules.builtin") {
          builtin = reader.ReadAll();
        }
      }
    }
    if (version.empty()) {
      throw BuildError(plan_->Describe() + ": the kernel package has no lib/modules/VERSION/modules.dep");
    }
    std::vector<std::string> order = ModuleLoadOrder(modules_dep, builtin, modules_);
    std::map<std::string, std::string> wanted;  // archive name -> output name
    for (const std::string& path : order) wanted["lib/modules/" + version + "/" + path] = ModuleNameOf(path) + ".ko";
    std::string image_name = "boot/vmlinuz-" + version;

    std::filesystem::create_directories(ctx.output() + "/modules");
    bool have_image = false;
    size_t written = 0;
    archive::ArchiveReader reader(archive);
    while (auto entry = reader.Next()) {
      std::string target;
      if (entry->name == image_name && entry->type == archive::EntryType::kFile) {
        target = ctx.output() + "/vmlinuz";
        have_image = true;
      } else if (auto it = wanted.find(entry->name); it != wanted.end() && entry->type == archive::EntryType::kFile) {
        target = ctx.output() + "/modules/" + it->second;
        ++written;
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
    if (written != wanted.size()) {
      throw BuildError(plan_->Describe() + ": modules.dep names modules the kernel package does not contain "
                       "(compressed modules are not supported)");
    }
    nlohmann::json names = nlohmann::json::array();
    for (const std::string& path : order) names.push_back(ModuleNameOf(path));
    nlohmann::json bundle = {{"kernel_version", version}, {"modules", names}};
    std::string error;
    if (!download::WriteFileAtomically(ctx.output() + "/bundle.json", bundle.dump(1) + "\n", &error)) {
      throw BuildError(error);
    }
  }

 private:
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

DefinitionPtr KernelBundle(DefinitionPtr kernel_plan, std::vector<std::string> modules) {
  if (!kernel_plan) throw BuildError("kernel_bundle: no kernel plan");
  return std::make_shared<KernelBundleDefinition>(std::move(kernel_plan), std::move(modules));
}

}  // namespace tinyrange::build
