// A distribution kernel made ready for `tr run`: its image and the kernel
// modules guest-init must load before it can see the VM's devices, with
// every module those depend on, in load order.
//
// Debian's cloud kernel builds virtio_blk, virtio_console, virtio_net,
// virtiofs (and their virtio/virtio_ring/virtio_mmio/fuse dependencies) as
// modules; the VMM's devices are invisible until they are loaded. The
// bundle reads them from the kernel package's archive once, so a run only
// copies a few hundred KiB into its initramfs.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "builder/build/definition.h"
#include "builder/build/package_plan.h"

namespace tinyrange::build {

// The modules a tinyrange guest needs (by module name, as modules.dep
// spells them without directory and ".ko").
const std::vector<std::string>& GuestKernelModules();

// `kernel_plan` is a package plan containing a kernel package: Debian's
// linux-image-VERSION, or Alpine's linux-FLAVOR (linux-virt, linux-lts).
// The output directory holds:
//   vmlinuz            the kernel image (the package's boot/vmlinuz-*)
//   modules/NAME.ko    each module to load (uncompressed)
//   bundle.json        {"kernel_version": "...", "modules": ["NAME", ...]}
//                      with the modules in load order (dependencies first)
// Modules the kernel has built in (modules.builtin) are left out. The
// dependencies come from each module's .modinfo (module_info.h): packages
// ship no modules.dep. Compressed modules (.ko.xz as Debian has shipped
// them since trixie, .ko.gz as Alpine does, .ko.zst) are decompressed here,
// so guest-init needs no decompressor and the kernel no MODULE_DECOMPRESS.
DefinitionPtr KernelBundle(DefinitionPtr kernel_plan, std::vector<std::string> modules = GuestKernelModules());

// The bundle of a Debian suite's cloud kernel: the versioned package that
// linux-image-cloud-amd64 points to, from a plan of its own ("debian:SUITE").
DefinitionPtr DebianCloudKernel(const std::string& distro,
                                const std::vector<std::string>& extra_modules = {});

// The bundle of a distribution's own kernel for virtual machines: Debian's
// cloud kernel, or Alpine's linux-virt, from `source`'s distribution,
// mirror and keys (its packages are not looked at), with `extra_modules` to
// load besides GuestKernelModules() (say, "ext4" for a root on a disk;
// nothing is loaded for what the kernel has built in).
DefinitionPtr DistributionKernel(PackageRequest source, const std::vector<std::string>& extra_modules = {});

// Whether package `name` of a `family` ("debian" or "alpine") plan is a
// kernel package: linux-image-VERSION (not the linux-image-cloud-amd64
// metapackage), or linux-FLAVOR without a further '-' (not
// linux-firmware-*), and not linux-firmware or linux-headers.
bool IsKernelPackage(const std::string& family, const std::string& name);

// The image among a kernel package's boot/vmlinuz-* files: the only one, or
// else boot/vmlinuz-VERSION. Throws BuildError naming `what` when there is
// none, or several and none of them is VERSION's.
std::string KernelImageEntry(const std::vector<std::string>& images, const std::string& version,
                             const std::string& what);

// The load order of `wanted` and their dependencies: each module after
// everything it depends on. `depends` maps every module of the kernel (by
// name) to the names it depends on; `builtin` holds the names built into
// the kernel, which need no loading. Throws BuildError naming a module
// that is neither, or a dependency cycle.
std::vector<std::string> ModuleLoadOrder(const std::map<std::string, std::vector<std::string>>& depends,
                                         const std::set<std::string>& builtin, const std::vector<std::string>& wanted);

// "kernel/fs/fuse/virtiofs.ko" (or .ko.xz, .ko.gz, .ko.zst) -> "virtiofs"
// (a '-' in a file name is '_' in the module name, as the kernel treats
// them alike).
std::string ModuleNameOf(const std::string& path);

// Whether `path` names a kernel module file: .ko, or .ko compressed with
// xz, gzip or zstd.
bool IsModuleFile(const std::string& path);

// The ELF bytes of the module file `path` whose contents are `bytes`:
// decompressed when the name says it is compressed. Throws BuildError
// naming `path` if that fails.
std::string ModuleElf(const std::string& path, std::string bytes);

}  // namespace tinyrange::build
