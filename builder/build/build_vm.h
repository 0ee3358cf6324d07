// build_vm: a VM run that produces an output file. The directives make the
// VM's root file system (archive layers: package plans — with their
// install database and scripts — or tinyrange archives; added files), its
// environment and its commands; guest-init unpacks the root, runs the
// plans' install scripts, then the commands in order with /bin/sh (the
// first failure fails the build), and hands the file at `output` back
// through an output disk (guest-init/output_format.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "builder/build/build_fs.h"
#include "builder/build/definition.h"
#include "vmm/plan/vm_plan.h"

namespace tinyrange::build {

struct VmBuildSpec {
  std::vector<FsDirective> directives;
  std::string output;             // absolute path in the guest
  uint32_t cpus = 1;
  uint64_t memory_mib = 1024;
  uint64_t storage_mib = 4096;    // the output disk (sparse)
  DefinitionPtr kernel;           // a kernel bundle (kernel_bundle.h) or a kernel file; null: Debian bookworm's
};

// Throws BuildError for a spec that cannot work (no output, a relative
// output path, no commands).
DefinitionPtr BuildVm(VmBuildSpec spec);

// The shell script of the commands and environments of `directives`, in
// order, stopping at the first command that fails; it then runs its own
// arguments, if any ("exec \"$@\""), so `tr run --file` can run a command
// after a VM's setup. Its path in the guest is kVmCommandScript.
std::string VmCommandScript(const std::vector<FsDirective>& directives);
inline constexpr const char* kVmCommandScript = ".tinyrange/build/run.sh";

// The spec of a build_vm definition, or null for any other kind.
const VmBuildSpec* VmBuildSpecOf(const Definition& definition);

// The parts of a VM's archive disk for `spec`, in order: each layer (a
// plan's layout, packages, database and install steps; or an archive),
// each added file as an archive written to `scratch`, then the commands'
// script. `build` builds a definition and returns its output. At most one
// layer may be a package plan: two would overwrite each other's install
// database and steps (BuildError).
struct VmRootParts {
  std::vector<std::string> parts;
  std::optional<size_t> steps_part;  // the plan's install steps, if it has any
  size_t script_part = 0;            // the commands' script (the last part)
};
VmRootParts AssembleVmRoot(const VmBuildSpec& spec, const std::function<std::string(const DefinitionPtr&)>& build,
                           const std::string& scratch, const std::string& cache_root, const std::string& what);

// The kernel of a VM: a kernel bundle's image and the modules guest-init
// loads (copied into its initramfs), or a bare kernel file.
void AddVmKernel(const std::string& kernel, VmPlan* plan, PlanInit* init, const std::string& what);

}  // namespace tinyrange::build
