#include "vmm/arch/x86_64/cpu_state.h"

#include <gtest/gtest.h>

#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::x86 {
namespace {

TEST(CpuStateTest, GdtEntryRoundTripsThroughKvmSegment) {
  uint64_t code64 = GdtEntry(0xa09b, 0, 0xfffff);
  EXPECT_EQ(code64, 0x00af9b000000ffffULL);
  kvm_segment s = SegmentFromGdtEntry(code64, kCodeSelector);
  EXPECT_EQ(s.l, 1);
  EXPECT_EQ(s.db, 0);
  EXPECT_EQ(s.g, 1);
  EXPECT_EQ(s.limit, 0xffffffffu);
  EXPECT_EQ(s.type, 0xb);
  EXPECT_EQ(s.present, 1);
  EXPECT_EQ(s.selector, kCodeSelector);
  uint64_t with_base = GdtEntry(0xc093, 0x12345678, 0xabcde);
  kvm_segment d = SegmentFromGdtEntry(with_base, kDataSelector);
  EXPECT_EQ(d.base, 0x12345678u);
  EXPECT_EQ(d.db, 1);
}

TEST(CpuStateTest, LongModeTablesIdentityMapFourGiB) {
  GuestMemory m = GuestMemory::CreateX86(16 << 20);
  WriteBootTables(m, EntryMode::kLinux64);
  uint64_t pml4 = 0, pdpt3 = 0, last_pd = 0;
  ASSERT_TRUE(m.ReadObject(kPml4Address, &pml4));
  EXPECT_EQ(pml4 & ~0xfffULL, kPdptAddress);
  ASSERT_TRUE(m.ReadObject(kPdptAddress + 3 * 8, &pdpt3));
  EXPECT_EQ(pdpt3 & ~0xfffULL, kPdAddress + 3 * 0x1000);
  ASSERT_TRUE(m.ReadObject(kPdAddress + 3 * 0x1000 + 511 * 8, &last_pd));
  EXPECT_EQ(last_pd & ~0xfffULL, (4ULL << 30) - (2 << 20));
  EXPECT_EQ(last_pd & 0x83, 0x83u);
  // The tables must not run into the command line.
  EXPECT_LE(kPdAddress + 4 * 0x1000, kCmdlineAddress);
  EXPECT_LE(kGdtAddress + 5 * 8, kIdtAddress);
}

TEST(CpuStateTest, SregsPerMode) {
  kvm_sregs s{};
  SetBootSregs(s, EntryMode::kLinux64);
  EXPECT_EQ(s.efer & 0x500, 0x500u);
  EXPECT_TRUE(s.cr0 & (1ULL << 31));
  EXPECT_EQ(s.cr3, kPml4Address);
  EXPECT_EQ(s.cs.l, 1);
  SetBootSregs(s, EntryMode::kPvh32);
  EXPECT_EQ(s.efer, 0u);
  EXPECT_FALSE(s.cr0 & (1ULL << 31));
  EXPECT_TRUE(s.cr0 & 1);
  EXPECT_EQ(s.cs.l, 0);
  EXPECT_EQ(s.cs.db, 1);
}

TEST(CpuStateTest, RegsCarryBootInfo) {
  kvm_regs r = BootRegs(EntryMode::kLinux64, 0x1000200, 0x7000);
  EXPECT_EQ(r.rip, 0x1000200u);
  EXPECT_EQ(r.rsi, 0x7000u);
  EXPECT_EQ(r.rflags, 2u);
  kvm_regs p = BootRegs(EntryMode::kPvh32, 0x1000000, 0x6000);
  EXPECT_EQ(p.rbx, 0x6000u);
  EXPECT_EQ(p.rsi, 0u);
}

}  // namespace
}  // namespace tinyrange::x86
