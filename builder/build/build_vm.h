// build_vm: a VM run that produces an output file. The directives make the
// VM's root file system (archive layers: package plans — with their
// install database and scripts — or tinyrange archives; added files), its
// environment and its commands; guest-init unpacks the root, runs the
// plans' install scripts, then the commands in order with /bin/sh (the
// first failure fails the build), and hands the file at `output` back
// through an output disk (guest-init/output_format.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "builder/build/build_fs.h"
#include "builder/build/definition.h"

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
// order, stopping at the first command that fails.
std::string VmCommandScript(const std::vector<FsDirective>& directives);

}  // namespace tinyrange::build
