#include "vmm/arch/x86_64/cpu_state.h"

#include <array>
#include <cstring>
#include <span>

#include "vmm/arch/x86_64/layout.h"
#include "vmm/vmm_error.h"

namespace tinyrange::x86 {

namespace {

constexpr uint16_t kCode64Flags = 0xa09b;  // present, ring 0, code, L=1, G=1
constexpr uint16_t kCode32Flags = 0xc09b;  // present, ring 0, code, D=1, G=1
constexpr uint16_t kDataFlags = 0xc093;    // present, ring 0, data rw, B=1, G=1
constexpr uint16_t kTssFlags = 0x808b;     // present, busy 32/64-bit TSS

constexpr uint64_t kCr0ProtectionEnable = 1ULL << 0;
constexpr uint64_t kCr0ExtensionType = 1ULL << 4;
constexpr uint64_t kCr0Paging = 1ULL << 31;
constexpr uint64_t kCr4Pae = 1ULL << 5;
constexpr uint64_t kEferLme = 1ULL << 8;
constexpr uint64_t kEferLma = 1ULL << 10;

constexpr uint64_t kPagePresentWritable = 0x3;
constexpr uint64_t kPageLarge = 0x80;
constexpr int kIdentityMappedGiB = 4;

std::array<uint64_t, 5> Gdt(EntryMode mode) {
  uint16_t code = mode == EntryMode::kLinux64 ? kCode64Flags : kCode32Flags;
  return {0, 0, GdtEntry(code, 0, 0xfffff), GdtEntry(kDataFlags, 0, 0xfffff),
          GdtEntry(kTssFlags, 0, 0xfffff)};
}

template <typename T>
void WriteTable(const GuestMemory& memory, uint64_t address, const T& table, const char* what) {
  memory.WriteOrThrow(address,
                      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(table.data()),
                                               table.size() * sizeof(table[0])),
                      what);
}

}  // namespace

uint64_t GdtEntry(uint16_t flags, uint32_t base, uint32_t limit) {
  return ((static_cast<uint64_t>(base) & 0xff000000ULL) << 32) |
         ((static_cast<uint64_t>(flags) & 0xf0ffULL) << 40) |
         ((static_cast<uint64_t>(limit) & 0xf0000ULL) << 32) |
         ((static_cast<uint64_t>(base) & 0x00ffffffULL) << 16) | (limit & 0xffffULL);
}

kvm_segment SegmentFromGdtEntry(uint64_t entry, uint16_t selector) {
  kvm_segment s{};
  s.base = ((entry >> 16) & 0xffffff) | (((entry >> 56) & 0xff) << 24);
  uint32_t limit = static_cast<uint32_t>((entry & 0xffff) | (((entry >> 48) & 0xf) << 16));
  s.g = (entry >> 55) & 1;
  s.limit = s.g ? (limit << 12) | 0xfff : limit;
  s.selector = selector;
  s.type = (entry >> 40) & 0xf;
  s.s = (entry >> 44) & 1;
  s.dpl = (entry >> 45) & 3;
  s.present = (entry >> 47) & 1;
  s.avl = (entry >> 52) & 1;
  s.l = (entry >> 53) & 1;
  s.db = (entry >> 54) & 1;
  s.unusable = s.present ? 0 : 1;
  return s;
}

void WriteBootTables(const GuestMemory& memory, EntryMode mode) {
  WriteTable(memory, kGdtAddress, Gdt(mode), "the boot GDT");
  std::array<uint64_t, 1> idt{0};
  WriteTable(memory, kIdtAddress, idt, "the boot IDT");
  if (mode != EntryMode::kLinux64) return;

  std::array<uint64_t, 512> pml4{};
  pml4[0] = kPdptAddress | kPagePresentWritable;
  WriteTable(memory, kPml4Address, pml4, "the boot page tables");
  std::array<uint64_t, 512> pdpt{};
  for (int i = 0; i < kIdentityMappedGiB; ++i) {
    pdpt[i] = (kPdAddress + i * 0x1000ULL) | kPagePresentWritable;
  }
  WriteTable(memory, kPdptAddress, pdpt, "the boot page tables");
  for (int gib = 0; gib < kIdentityMappedGiB; ++gib) {
    std::array<uint64_t, 512> pd{};
    for (uint64_t i = 0; i < 512; ++i) {
      pd[i] = ((gib * 512ULL + i) << 21) | kPagePresentWritable | kPageLarge;
    }
    WriteTable(memory, kPdAddress + gib * 0x1000ULL, pd, "the boot page tables");
  }
}

void SetBootSregs(kvm_sregs& sregs, EntryMode mode) {
  auto gdt = Gdt(mode);
  kvm_segment code = SegmentFromGdtEntry(gdt[kCodeSelector / 8], kCodeSelector);
  kvm_segment data = SegmentFromGdtEntry(gdt[kDataSelector / 8], kDataSelector);
  kvm_segment tss = SegmentFromGdtEntry(gdt[kTssSelector / 8], kTssSelector);
  sregs.cs = code;
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
  sregs.tr = tss;
  sregs.gdt.base = kGdtAddress;
  sregs.gdt.limit = static_cast<uint16_t>(gdt.size() * 8 - 1);
  sregs.idt.base = kIdtAddress;
  sregs.idt.limit = 7;
  if (mode == EntryMode::kLinux64) {
    sregs.cr0 = kCr0ProtectionEnable | kCr0ExtensionType | kCr0Paging;
    sregs.cr3 = kPml4Address;
    sregs.cr4 = kCr4Pae;
    sregs.efer = kEferLme | kEferLma;
  } else {
    sregs.cr0 = kCr0ProtectionEnable | kCr0ExtensionType;
    sregs.cr3 = 0;
    sregs.cr4 = 0;
    sregs.efer = 0;
  }
}

kvm_regs BootRegs(EntryMode mode, uint64_t entry, uint64_t boot_info) {
  kvm_regs regs{};
  regs.rflags = 0x2;  // bit 1 is reserved and always set; interrupts off
  regs.rip = entry;
  if (mode == EntryMode::kLinux64) {
    regs.rsi = boot_info;
    regs.rsp = regs.rbp = kBootStackTop;
  } else {
    regs.rbx = boot_info;
  }
  return regs;
}

kvm_fpu BootFpu() {
  kvm_fpu fpu{};
  fpu.fcw = 0x37f;     // x87 default control word: all exceptions masked
  fpu.mxcsr = 0x1f80;  // SSE default: all exceptions masked
  return fpu;
}

}  // namespace tinyrange::x86
