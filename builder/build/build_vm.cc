#include "builder/build/build_vm.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>

#include "builder/archive/archive_format.h"
#include "builder/archive/archive_writer.h"
#include "builder/build/build_engine.h"
#include "builder/build/definitions.h"
#include "builder/build/install_archives.h"
#include "builder/build/kernel_bundle.h"
#include "builder/build/output_disk.h"
#include "builder/build/vm_runner.h"
#include "builder/download/cache_file.h"

namespace tinyrange::build {

namespace fs = std::filesystem;

namespace {

constexpr const char* kArchivesDiskId = "tr-archives";
constexpr const char* kOutputDiskId = "tr-output";

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// A layer's parts: a package plan's layout, packages, database and install
// steps (run by guest-init before the commands); or one tinyrange archive.
// At most one layer is a plan (*plan_layer, once there is one): two would
// overwrite each other's install database and steps.
void AddLayer(const FsDirective& d, const std::string& path, const std::function<std::string(const DefinitionPtr&)>& build,
              const std::string& cache_root, const std::string& what, const FsDirective** plan_layer,
              VmRootParts* root) {
  std::vector<std::string>* parts = &root->parts;
  if (fs::is_directory(path) && fs::exists(path + "/plan.json")) {
    if (*plan_layer != nullptr) {
      throw BuildError(what + ": two package plans, " + (*plan_layer)->Describe() + " and " + d.Describe() +
                       "; their install databases and scripts would overwrite each other. List all the "
                       "packages in one plan.");
    }
    *plan_layer = &d;
    std::string install = build(InstallArchives(d.input));
    if (fs::exists(install + "/" + kInstallLayoutArchive)) parts->push_back(install + "/" + kInstallLayoutArchive);
    for (const std::string& archive : PlanArchives(path, cache_root)) parts->push_back(archive);
    parts->push_back(install + "/" + kInstallDatabaseArchive);
    if (fs::exists(install + "/" + kInstallStepsArchive)) {
      root->steps_part = parts->size();
      parts->push_back(install + "/" + kInstallStepsArchive);
    }
  } else if (archive::IsTinyrangeArchive(path)) {
    parts->push_back(path);
  } else {
    throw BuildError(what + ": " + d.Describe() + " is neither a package plan nor a tinyrange archive " +
                     "(convert other archives with define.read_archive)");
  }
}

std::string FileArchive(const FsDirective& d, const std::string& contents, const std::string& dir, size_t index,
                        const std::string& what) {
  std::string data;
  if (!download::ReadWholeFile(contents, &data)) throw BuildError(what + ": cannot read " + contents);
  std::string path = dir + "/file-" + std::to_string(index) + ".trfrag";
  archive::ArchiveWriter writer(path);
  archive::Entry entry;
  entry.name = d.path;
  entry.mode = d.mode;
  entry.uid = d.uid;
  entry.gid = d.gid;
  entry.size = data.size();
  writer.AddFile(entry, data);
  writer.Finish();
  return path;
}

std::string ScriptArchive(const VmBuildSpec& spec, const std::string& dir) {
  std::string path = dir + "/commands.trfrag";
  archive::ArchiveWriter writer(path);
  for (const char* name : {".tinyrange", ".tinyrange/build"}) {
    archive::Entry entry;
    entry.type = archive::EntryType::kDirectory;
    entry.name = name;
    entry.mode = 0755;
    writer.Add(entry);
  }
  std::string script = VmCommandScript(spec.directives);
  archive::Entry entry;
  entry.name = kVmCommandScript;
  entry.mode = 0755;
  entry.size = script.size();
  writer.AddFile(entry, script);
  writer.Finish();
  return path;
}

class BuildVmDefinition final : public Definition {
 public:
  explicit BuildVmDefinition(VmBuildSpec spec) : spec_(std::move(spec)) {}
  const VmBuildSpec& spec() const { return spec_; }
  std::string Kind() const override { return "build_vm"; }
  nlohmann::json Parameters() const override {
    nlohmann::json directives = nlohmann::json::array();
    for (const FsDirective& d : spec_.directives) {
      switch (d.type) {
        case FsDirective::Type::kLayer: directives.push_back({{"layer", d.input->Kind()}}); break;
        case FsDirective::Type::kAddFile:
          directives.push_back({{"add_file", d.path}, {"mode", d.mode}, {"uid", d.uid}, {"gid", d.gid}});
          break;
        case FsDirective::Type::kRunCommand: directives.push_back({{"run_command", d.command}}); break;
        case FsDirective::Type::kEnvironment: directives.push_back({{"environment", d.variables}}); break;
        case FsDirective::Type::kDefaultInteractive: directives.push_back({{"default_interactive", d.command}}); break;
      }
    }
    return {{"directives", directives},   {"output", spec_.output},
            {"cpus", spec_.cpus},         {"memory_mib", spec_.memory_mib},
            {"storage_mib", spec_.storage_mib}, {"archive_version", ReadArchiveVersion()}};
  }
  std::vector<DefinitionPtr> Inputs() const override {
    std::vector<DefinitionPtr> inputs = {spec_.kernel};
    for (const FsDirective& d : spec_.directives) {
      if (d.input) inputs.push_back(d.input);
    }
    return inputs;
  }
  bool IoBound() const override { return false; }
  std::string Describe() const override { return "build_vm " + spec_.output; }

  void Build(BuildContext& ctx) const override {
    const VmRunner& run = ctx.options().run_vm;
    if (!run) throw BuildError(Describe() + ": this program cannot run VMs (no VM runner); build it with tr");
    VmPlan plan;
    PlanInit init;
    AddKernel(ctx.input(0), &plan, &init);
    PlanDisk archives;
    archives.id = kArchivesDiskId;
    archives.read_only = true;
    archives.parts = AssembleVmRoot(
                         spec_, [&ctx](const DefinitionPtr& d) { return ctx.BuildMore({d}).at(0); }, ctx.scratch(),
                         ctx.options().cache_root, Describe())
                         .parts;
    plan.disks.push_back(archives);

    std::string output_disk = ctx.scratch() + "/output.img";
    {
      int fd = open(output_disk.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
      if (fd < 0 || ftruncate(fd, static_cast<off_t>(spec_.storage_mib << 20)) != 0) {
        if (fd >= 0) close(fd);
        throw BuildError(Describe() + ": cannot create the output disk " + output_disk);
      }
      close(fd);
    }
    PlanDisk out;
    out.path = output_disk;
    out.id = kOutputDiskId;
    plan.disks.push_back(out);

    init.argv = {"/bin/sh", "/" + std::string(kVmCommandScript)};
    init.env = {"HOME=/root"};
    init.cwd = "/";
    init.archives_disk = kArchivesDiskId;
    init.output = std::string(kOutputDiskId) + " " + spec_.output;
    plan.init = init;
    plan.cpus = spec_.cpus;
    plan.memory_mib = spec_.memory_mib;
    ValidateVmPlan(plan, "");

    VmRunOutcome outcome = run(plan);
    if (!outcome.error.empty()) throw BuildError(Describe() + ": the VM could not start: " + outcome.error);
    if (outcome.exit_status != 0) {
      throw BuildError(Describe() + ": the commands failed (exit status " + std::to_string(outcome.exit_status) +
                       "); the VM's last output:\n" + outcome.console);
    }
    CopyOutputDisk(output_disk, ctx.output(), spec_.output, Describe());
  }

 private:
  void AddKernel(const std::string& kernel, VmPlan* plan, PlanInit* init) const {
    AddVmKernel(kernel, plan, init, Describe());
  }

  VmBuildSpec spec_;
};

}  // namespace

void AddVmKernel(const std::string& kernel, VmPlan* plan, PlanInit* init, const std::string& what) {
  if (!fs::is_directory(kernel)) {
    plan->kernel = kernel;
    return;
  }
  plan->kernel = kernel + "/vmlinuz";
  std::ifstream in(kernel + "/bundle.json");
  nlohmann::json bundle = nlohmann::json::parse(in, nullptr, false);
  if (bundle.is_discarded() || !bundle.contains("modules")) {
    throw BuildError(what + ": the kernel input is a directory without bundle.json (use a kernel bundle)");
  }
  for (const auto& name : bundle["modules"]) {
    std::string module = name.get<std::string>();
    std::string guest = "/lib/modules/" + module + ".ko";
    init->files.push_back({kernel + "/modules/" + module + ".ko", guest, 0644});
    init->modules.push_back(guest);
  }
}

VmRootParts AssembleVmRoot(const VmBuildSpec& spec, const std::function<std::string(const DefinitionPtr&)>& build,
                           const std::string& scratch, const std::string& cache_root, const std::string& what) {
  VmRootParts root;
  const FsDirective* plan_layer = nullptr;
  for (size_t i = 0; i < spec.directives.size(); ++i) {
    const FsDirective& d = spec.directives[i];
    if (d.type == FsDirective::Type::kLayer) {
      AddLayer(d, build(d.input), build, cache_root, what, &plan_layer, &root);
    } else if (d.type == FsDirective::Type::kAddFile) {
      root.parts.push_back(FileArchive(d, build(d.input), scratch, i, what));
    }
  }
  root.script_part = root.parts.size();
  root.parts.push_back(ScriptArchive(spec, scratch));
  return root;
}

const VmBuildSpec* VmBuildSpecOf(const Definition& definition) {
  auto* vm = dynamic_cast<const BuildVmDefinition*>(&definition);
  return vm ? &vm->spec() : nullptr;
}

std::string VmCommandScript(const std::vector<FsDirective>& directives) {
  std::string script = "#!/bin/sh\n# The commands of a build_vm definition, in order.\nset -e\n";
  for (const FsDirective& d : directives) {
    if (d.type == FsDirective::Type::kEnvironment) {
      for (const auto& [name, value] : d.variables) script += "export " + name + "=" + ShellQuote(value) + "\n";
    } else if (d.type == FsDirective::Type::kRunCommand) {
      script += d.command + "\n";
    }
  }
  // `tr run --file` passes the command to run after the setup.
  script += "if [ $# -gt 0 ]; then exec \"$@\"; fi\n";
  return script;
}

DefinitionPtr BuildVm(VmBuildSpec spec) {
  if (spec.output.empty() || spec.output[0] != '/') {
    throw BuildError("define.build_vm: output '" + spec.output + "' must be an absolute path in the guest");
  }
  bool has_command = false;
  for (const FsDirective& d : spec.directives) has_command = has_command || d.type == FsDirective::Type::kRunCommand;
  if (!has_command) throw BuildError("define.build_vm: no directive.run_command: nothing would make " + spec.output);
  if (spec.cpus < 1 || spec.cpus > 254) throw BuildError("define.build_vm: cpu_cores must be 1..254");
  if (spec.memory_mib < 64) throw BuildError("define.build_vm: memory_mb must be at least 64");
  if (spec.storage_mib < 1) throw BuildError("define.build_vm: storage_size must be at least 1 (MiB)");
  if (!spec.kernel) spec.kernel = DebianCloudKernel("debian:bookworm");
  return std::make_shared<BuildVmDefinition>(std::move(spec));
}

}  // namespace tinyrange::build
