// Completes guest instructions that the host's KVM gave up emulating.
//
// On hardware virtualization (VMX/SVM) KVM never hands us these. A
// hypervisor that emulates guest kernel code instruction by instruction,
// such as the page-table-based kvm_pvm of nested setups, reports
// KVM_INTERNAL_ERROR_EMULATION for a few instructions its emulator lacks,
// and Linux executes some of them while it boots: int3 (the alternatives
// self-test, text patching), ud2 (BUG/WARN), lock cmpxchg16b (the slab
// allocator), clac/stac (SMAP, on every kernel entry) and fwait (FPU
// setup; with the x87 exceptions masked, as they are then, it does nothing). We decode the instruction at RIP and do what the CPU would:
// deliver the breakpoint or invalid-opcode exception, or perform the
// 16-byte compare-and-exchange atomically on guest memory.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "vmm/guest_memory.h"
#include "vmm/kvm.h"

namespace tinyrange::x86 {

// What to do for one instruction; decoding is separate from the vCPU so it
// can be tested on plain bytes.
struct FallbackAction {
  enum Kind { kNone, kBreakpoint, kInvalidOpcode, kCmpxchg16b, kClac, kStac, kFwait } kind = kNone;
  uint32_t length = 0;  // instruction length in bytes
  // kCmpxchg16b: the memory operand is base + index * scale + displacement
  // (RIP-relative: base is the next instruction's address).
  int base_register = -1;   // 0..15, or -1 for none; 16 = RIP
  int index_register = -1;  // 0..15, or -1 for none
  uint32_t scale = 1;
  int64_t displacement = 0;
};

FallbackAction DecodeFallback(std::span<const uint8_t> code);

class EmulationFallback {
 public:
  explicit EmulationFallback(const GuestMemory& memory) : memory_(memory) {}
  // Handles the failed instruction on `vcpu`; returns false (leaving the
  // vCPU untouched) if it is not one we complete.
  bool Handle(KvmVcpu& vcpu, std::string* what);

 private:
  bool ReadCode(const KvmVcpu& vcpu, uint64_t rip, uint8_t* out, size_t len) const;

  const GuestMemory& memory_;
};

}  // namespace tinyrange::x86
