#include "vmm/arch/x86_64/e820.h"

#include <gtest/gtest.h>

#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::x86 {
namespace {

TEST(E820Test, SmallGuest) {
  GuestMemory m = GuestMemory::CreateX86(64 << 20);
  auto map = BuildE820(m);
  ASSERT_EQ(map.size(), 3u);
  EXPECT_EQ(map[0].address, 0u);
  EXPECT_EQ(map[0].size, kEbdaStart);
  EXPECT_EQ(map[0].type, kE820Ram);
  EXPECT_EQ(map[1].type, kE820Reserved);
  EXPECT_EQ(map[1].address + map[1].size, kHighMemoryStart);
  EXPECT_EQ(map[2].address, kHighMemoryStart);
  EXPECT_EQ(map[2].address + map[2].size, 64u << 20);
}

TEST(E820Test, LargeGuestContinuesAboveFourGiB) {
  GuestMemory m = GuestMemory::CreateX86(5ULL << 30);
  auto map = BuildE820(m);
  ASSERT_EQ(map.size(), 4u);
  EXPECT_EQ(map[2].address + map[2].size, kMmioHoleStart);
  EXPECT_EQ(map[3].address, kMmioHoleEnd);
  EXPECT_EQ(map[3].size, (5ULL << 30) - kMmioHoleStart);
  // The ACPI tables are inside reserved memory.
  EXPECT_LE(map[1].address, kAcpiTablesStart);
  EXPECT_GE(map[1].address + map[1].size, kAcpiTablesEnd);
}

}  // namespace
}  // namespace tinyrange::x86
