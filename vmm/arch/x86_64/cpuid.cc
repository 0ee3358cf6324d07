#include "vmm/arch/x86_64/cpuid.h"

#include <bit>

namespace tinyrange::x86 {

namespace {

constexpr uint32_t kLeafFeatures = 0x1;
constexpr uint32_t kLeafCacheParameters = 0x4;
constexpr uint32_t kLeafThermalPower = 0x6;
constexpr uint32_t kLeafExtendedTopology = 0xb;
constexpr uint32_t kLeafExtendedTopologyV2 = 0x1f;
constexpr uint32_t kLeafAmdAddressSizes = 0x80000008;
constexpr uint32_t kLeafAmdProcessorTopology = 0x8000001e;

constexpr uint32_t kEcxHypervisor = 1u << 31;
constexpr uint32_t kEcxTscDeadline = 1u << 24;
constexpr uint32_t kEdxHtt = 1u << 28;
constexpr uint32_t kThermalEcxEnergyPerfBias = 1u << 3;

// Bits of APIC ID that select a core within the package.
uint32_t CoreIdBits(uint32_t count) {
  return count <= 1 ? 0 : static_cast<uint32_t>(std::bit_width(count - 1));
}

void SetTopologyLeaf(kvm_cpuid_entry2& e, const CpuTopology& t) {
  // Sub-leaf 0 describes the SMT level (one thread per core), sub-leaf 1
  // the core level, and anything above is the invalid terminator.
  e.edx = t.vcpu_id;
  switch (e.index) {
    case 0:
      e.eax = 0;
      e.ebx = 1;
      e.ecx = (1u << 8) | e.index;
      break;
    case 1:
      e.eax = CoreIdBits(t.vcpu_count);
      e.ebx = t.vcpu_count;
      e.ecx = (2u << 8) | e.index;
      break;
    default:
      e.eax = 0;
      e.ebx = 0;
      e.ecx = e.index;
      break;
  }
}

}  // namespace

std::vector<kvm_cpuid_entry2> CpuidForVcpu(const std::vector<kvm_cpuid_entry2>& supported,
                                           const CpuTopology& t) {
  std::vector<kvm_cpuid_entry2> entries = supported;
  for (auto& e : entries) {
    switch (e.function) {
      case kLeafFeatures:
        // EBX: initial APIC ID, logical processors per package, CLFLUSH
        // line size in 8-byte units (64 bytes).
        e.ebx = (t.vcpu_id << 24) | ((t.vcpu_count & 0xff) << 16) | (8u << 8) | (e.ebx & 0xff);
        e.ecx |= kEcxHypervisor;
        // KVM emulates the TSC-deadline timer in its LAPIC even when the
        // table does not say so; Linux then prefers it over calibration.
        e.ecx |= kEcxTscDeadline;
        if (t.vcpu_count > 1) {
          e.edx |= kEdxHtt;
        } else {
          e.edx &= ~kEdxHtt;
        }
        break;
      case kLeafCacheParameters:
        // EAX[31:26]: cores per package - 1. EAX[25:14]: logical
        // processors sharing this cache - 1 (private L1/L2, shared L3).
        if ((e.eax & 0x1f) != 0) {
          uint32_t level = (e.eax >> 5) & 0x7;
          uint32_t sharing = level >= 3 ? t.vcpu_count - 1 : 0;
          e.eax = (e.eax & 0x3fff) | ((sharing & 0xfff) << 14) | (((t.vcpu_count - 1) & 0x3f) << 26);
        }
        break;
      case kLeafThermalPower:
        e.ecx &= ~kThermalEcxEnergyPerfBias;
        break;
      case kLeafExtendedTopology:
      case kLeafExtendedTopologyV2:
        SetTopologyLeaf(e, t);
        break;
      case kLeafAmdAddressSizes:
        // ECX[7:0]: cores - 1; ECX[15:12]: APIC ID bits for the core.
        e.ecx = (e.ecx & ~0xf0ffu) | ((t.vcpu_count - 1) & 0xff) | (CoreIdBits(t.vcpu_count) << 12);
        break;
      case kLeafAmdProcessorTopology:
        e.eax = t.vcpu_id;        // extended APIC ID
        e.ebx = t.vcpu_id & 0xff; // core ID, one thread per core
        e.ecx = 0;                // node 0, one node
        e.edx = 0;
        break;
      default:
        break;
    }
  }
  return entries;
}

}  // namespace tinyrange::x86
