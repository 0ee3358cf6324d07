#include "vmm/arch/x86_64/emulation_fallback.h"

#include <cstring>

namespace tinyrange::x86 {

namespace {

constexpr uint8_t kBreakpointVector = 3;
constexpr uint8_t kInvalidOpcodeVector = 6;
constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kZeroFlag = 1 << 6;
constexpr uint64_t kAlignmentCheckFlag = 1 << 18;

__u64& Register(kvm_regs& r, int n) {
  __u64* table[16] = {&r.rax, &r.rcx, &r.rdx, &r.rbx, &r.rsp, &r.rbp, &r.rsi, &r.rdi,
                         &r.r8,  &r.r9,  &r.r10, &r.r11, &r.r12, &r.r13, &r.r14, &r.r15};
  return *table[n];
}

}  // namespace

FallbackAction DecodeFallback(std::span<const uint8_t> code) {
  FallbackAction a;
  size_t i = 0;
  bool lock = false;
  uint8_t rex = 0;
  // Prefixes: lock and REX are all these instructions use.
  while (i < code.size() && i < 4) {
    if (code[i] == 0xf0) {
      lock = true;
      ++i;
    } else if ((code[i] & 0xf0) == 0x40) {
      rex = code[i];
      ++i;
    } else {
      break;
    }
  }
  if (i < code.size() && code[i] == 0x9b && !lock && !rex) {
    a.kind = FallbackAction::kFwait;
    a.length = static_cast<uint32_t>(i + 1);
    return a;
  }
  if (i < code.size() && code[i] == 0xcc && !lock && !rex) {
    a.kind = FallbackAction::kBreakpoint;
    a.length = static_cast<uint32_t>(i + 1);
    return a;
  }
  if (i + 2 < code.size() && code[i] == 0x0f && code[i + 1] == 0x01 && (code[i + 2] == 0xca || code[i + 2] == 0xcb)) {
    a.kind = code[i + 2] == 0xca ? FallbackAction::kClac : FallbackAction::kStac;
    a.length = static_cast<uint32_t>(i + 3);
    return a;
  }
  if (i + 1 < code.size() && code[i] == 0x0f && code[i + 1] == 0x0b) {
    a.kind = FallbackAction::kInvalidOpcode;
    a.length = static_cast<uint32_t>(i + 2);
    return a;
  }
  // cmpxchg16b m128: [lock] REX.W 0F C7 /1, memory operand only.
  if (!(rex & 0x08) || i + 2 >= code.size() || code[i] != 0x0f || code[i + 1] != 0xc7) return a;
  i += 2;
  uint8_t modrm = code[i++];
  uint8_t mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
  if (reg != 1 || mod == 3) return a;
  int base = rm | ((rex & 1) << 3);
  int index = -1;
  uint32_t scale = 1;
  if (rm == 4) {  // SIB
    if (i >= code.size()) return a;
    uint8_t sib = code[i++];
    scale = 1u << (sib >> 6);
    int idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
    if (idx != 4) index = idx;
    base = (sib & 7) | ((rex & 1) << 3);
    if ((sib & 7) == 5 && mod == 0) base = -1;  // disp32, no base
  } else if (rm == 5 && mod == 0) {
    base = 16;  // RIP-relative
  }
  int64_t disp = 0;
  size_t disp_len = mod == 1 ? 1 : (mod == 2 || (mod == 0 && (base == 16 || base == -1))) ? 4 : 0;
  if (i + disp_len > code.size()) return a;
  if (disp_len == 1) disp = static_cast<int8_t>(code[i]);
  if (disp_len == 4) {
    int32_t d;
    std::memcpy(&d, &code[i], 4);
    disp = d;
  }
  i += disp_len;
  a.kind = FallbackAction::kCmpxchg16b;
  a.length = static_cast<uint32_t>(i);
  a.base_register = base;
  a.index_register = index;
  a.scale = scale;
  a.displacement = disp;
  return a;
}

bool EmulationFallback::ReadCode(const KvmVcpu& vcpu, uint64_t rip, uint8_t* out, size_t len) const {
  // The instruction may cross into the next page, which may be elsewhere.
  size_t done = 0;
  while (done < len) {
    uint64_t linear = rip + done;
    auto physical = vcpu.Translate(linear);
    if (!physical) return done > 0 && (std::memset(out + done, 0, len - done), true);
    size_t chunk = std::min<size_t>(len - done, kPageSize - (linear % kPageSize));
    if (!memory_.Read(*physical, out + done, chunk)) return false;
    done += chunk;
  }
  return true;
}

bool EmulationFallback::Handle(KvmVcpu& vcpu, std::string* what) {
  kvm_regs regs = vcpu.GetRegs();
  kvm_sregs sregs = vcpu.GetSregs();
  // Only 64-bit code is handled: that is where Linux runs.
  if (!sregs.cs.l) return false;
  uint8_t code[16];
  if (!ReadCode(vcpu, regs.rip, code, sizeof code)) return false;
  FallbackAction a = DecodeFallback(code);
  switch (a.kind) {
    case FallbackAction::kNone:
      return false;
    case FallbackAction::kBreakpoint:
    case FallbackAction::kInvalidOpcode: {
      // int3 is a trap (the handler sees the next instruction), ud2 a fault.
      if (a.kind == FallbackAction::kBreakpoint) {
        regs.rip += a.length;
        vcpu.SetRegs(regs);
      }
      kvm_vcpu_events events = vcpu.GetVcpuEvents();
      events.exception.injected = 1;
      events.exception.nr = a.kind == FallbackAction::kBreakpoint ? kBreakpointVector : kInvalidOpcodeVector;
      events.exception.has_error_code = 0;
      events.exception.pending = 0;
      events.flags = 0;
      vcpu.SetVcpuEvents(events);
      if (what) *what = a.kind == FallbackAction::kBreakpoint ? "int3" : "ud2";
      return true;
    }
    case FallbackAction::kFwait: {
      // Only a pending unmasked x87 exception would make fwait do
      // anything; check the status and control words before skipping it.
      kvm_fpu fpu = vcpu.GetFpu();
      uint16_t unmasked_pending = static_cast<uint16_t>(fpu.fsw & ~fpu.fcw & 0x3f);
      if (unmasked_pending) return false;
      regs.rip += a.length;
      vcpu.SetRegs(regs);
      if (what) *what = "fwait";
      return true;
    }
    case FallbackAction::kClac:
    case FallbackAction::kStac:
      if (a.kind == FallbackAction::kClac) {
        regs.rflags &= ~kAlignmentCheckFlag;
      } else {
        regs.rflags |= kAlignmentCheckFlag;
      }
      regs.rip += a.length;
      vcpu.SetRegs(regs);
      if (what) *what = a.kind == FallbackAction::kClac ? "clac" : "stac";
      return true;
    case FallbackAction::kCmpxchg16b: {
      uint64_t address = static_cast<uint64_t>(a.displacement);
      if (a.base_register == 16) {
        address += regs.rip + a.length;
      } else if (a.base_register >= 0) {
        address += Register(regs, a.base_register);
      }
      if (a.index_register >= 0) address += Register(regs, a.index_register) * a.scale;
      if (address % 16 != 0) return false;  // #GP on real hardware; let it crash
      auto physical = vcpu.Translate(address);
      if (!physical) return false;
      uint8_t* host = memory_.HostAddress(*physical, 16);
      if (!host) return false;
      // The host's own cmpxchg16b on the guest's memory: atomic with
      // respect to the other vCPUs, which access it natively.
      auto* target = reinterpret_cast<unsigned __int128*>(host);
      uint64_t low = regs.rax, high = regs.rdx;
      bool swapped;
      asm volatile("lock cmpxchg16b %1"
                   : "=@ccz"(swapped), "+m"(*target), "+a"(low), "+d"(high)
                   : "b"(static_cast<uint64_t>(regs.rbx)), "c"(static_cast<uint64_t>(regs.rcx))
                   : "memory");
      if (swapped) {
        regs.rflags |= kZeroFlag;
      } else {
        regs.rflags &= ~kZeroFlag;
        regs.rax = low;
        regs.rdx = high;
      }
      regs.rip += a.length;
      vcpu.SetRegs(regs);
      if (what) *what = "cmpxchg16b";
      return true;
    }
  }
  return false;
}

}  // namespace tinyrange::x86
