// What the host's KVM cannot run, and how a Linux guest is told to avoid it.
//
// kvm_pvm (a page-table-based hypervisor used for nested virtualization)
// runs guest kernel code through an instruction emulator that lacks a few
// instructions Linux uses when the CPU advertises them. CPUID cannot hide
// them there (the guest sees the host's CPUID leaf 1), so Linux is asked on
// its command line not to use them: XSAVE/XRSTOR (noxsave), CLAC/STAC
// (nosmap), POPCNT and CMPXCHG16B (clearcpuid). The instructions it uses
// regardless (int3, ud2) are completed by EmulationFallback.
#pragma once

#include <string>

namespace tinyrange::x86 {

// True when /dev/kvm is provided by kvm_pvm.
bool HostEmulatesGuestKernel();

// Kernel command-line arguments a Linux guest needs on this host; empty on
// hardware virtualization.
std::string HostGuestKernelArguments();

}  // namespace tinyrange::x86
