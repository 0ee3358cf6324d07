#include "vmm/arch/x86_64/cpuid.h"

#include <gtest/gtest.h>

namespace tinyrange::x86 {
namespace {

kvm_cpuid_entry2 Entry(uint32_t function, uint32_t index = 0) {
  kvm_cpuid_entry2 e{};
  e.function = function;
  e.index = index;
  e.eax = 0x11111111;
  e.ebx = 0x22222222;
  e.ecx = 0x33333333;
  e.edx = 0x44444444;
  return e;
}

const kvm_cpuid_entry2& Find(const std::vector<kvm_cpuid_entry2>& v, uint32_t f, uint32_t i = 0) {
  for (const auto& e : v) {
    if (e.function == f && e.index == i) return e;
  }
  throw std::runtime_error("leaf missing");
}

TEST(CpuidTest, Leaf1CarriesApicIdCountAndHypervisorBit) {
  std::vector<kvm_cpuid_entry2> supported = {Entry(1)};
  auto v = CpuidForVcpu(supported, {3, 4});
  const auto& e = Find(v, 1);
  EXPECT_EQ(e.ebx >> 24, 3u);
  EXPECT_EQ((e.ebx >> 16) & 0xff, 4u);
  EXPECT_EQ((e.ebx >> 8) & 0xff, 8u);
  EXPECT_TRUE(e.ecx & (1u << 31));
  EXPECT_TRUE(e.ecx & (1u << 24));
  EXPECT_TRUE(e.edx & (1u << 28));
}

TEST(CpuidTest, SingleCpuHasNoHtt) {
  auto v = CpuidForVcpu({Entry(1)}, {0, 1});
  EXPECT_FALSE(Find(v, 1).edx & (1u << 28));
}

TEST(CpuidTest, ExtendedTopologyDescribesOneThreadPerCore) {
  std::vector<kvm_cpuid_entry2> supported = {Entry(0xb, 0), Entry(0xb, 1), Entry(0xb, 2)};
  auto v = CpuidForVcpu(supported, {5, 6});
  const auto& smt = Find(v, 0xb, 0);
  EXPECT_EQ(smt.eax, 0u);
  EXPECT_EQ(smt.ebx, 1u);
  EXPECT_EQ((smt.ecx >> 8) & 0xff, 1u);
  EXPECT_EQ(smt.edx, 5u);
  const auto& core = Find(v, 0xb, 1);
  EXPECT_EQ(core.eax, 3u);  // 6 CPUs need 3 APIC ID bits
  EXPECT_EQ(core.ebx, 6u);
  EXPECT_EQ((core.ecx >> 8) & 0xff, 2u);
  const auto& end = Find(v, 0xb, 2);
  EXPECT_EQ(end.ebx, 0u);
  EXPECT_EQ((end.ecx >> 8) & 0xff, 0u);
}

TEST(CpuidTest, AmdTopologyLeaves) {
  auto v = CpuidForVcpu({Entry(0x80000008), Entry(0x8000001e)}, {2, 4});
  EXPECT_EQ(Find(v, 0x80000008).ecx & 0xff, 3u);
  EXPECT_EQ((Find(v, 0x80000008).ecx >> 12) & 0xf, 2u);
  EXPECT_EQ(Find(v, 0x8000001e).eax, 2u);
}

TEST(CpuidTest, EnergyPerfBiasHidden) {
  auto v = CpuidForVcpu({Entry(6)}, {0, 1});
  EXPECT_FALSE(Find(v, 6).ecx & (1u << 3));
}

}  // namespace
}  // namespace tinyrange::x86
