// The CPUID table a vCPU sees: what KVM supports, adjusted so the guest
// sees a consistent topology (its own APIC ID, the number of CPUs) and
// knows it runs on a hypervisor.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace tinyrange::x86 {

struct CpuTopology {
  uint32_t vcpu_id;     // also the vCPU's APIC ID
  uint32_t vcpu_count;  // one core per vCPU, one thread per core, one socket
};

std::vector<kvm_cpuid_entry2> CpuidForVcpu(const std::vector<kvm_cpuid_entry2>& supported,
                                           const CpuTopology& topology);

}  // namespace tinyrange::x86
