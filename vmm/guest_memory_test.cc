#include "vmm/guest_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "vmm/arch/x86_64/layout.h"
#include "vmm/vmm_error.h"

namespace tinyrange {
namespace {

TEST(GuestMemoryTest, SmallGuestHasOneRegionAtZero) {
  GuestMemory m = GuestMemory::CreateX86(64 << 20);
  ASSERT_EQ(m.regions().size(), 1u);
  EXPECT_EQ(m.regions()[0].guest_address, 0u);
  EXPECT_EQ(m.total_bytes(), 64u << 20);
  EXPECT_EQ(m.low_memory_end(), 64u << 20);
}

TEST(GuestMemoryTest, LargeGuestSkipsTheMmioHole) {
  // Only address space is reserved (MAP_NORESERVE), so this is cheap.
  GuestMemory m = GuestMemory::CreateX86(4ULL << 30);
  ASSERT_EQ(m.regions().size(), 2u);
  EXPECT_EQ(m.regions()[0].size, x86::kMmioHoleStart);
  EXPECT_EQ(m.regions()[1].guest_address, x86::kMmioHoleEnd);
  EXPECT_EQ(m.regions()[1].size, (4ULL << 30) - x86::kMmioHoleStart);
  EXPECT_FALSE(m.IsRam(x86::kMmioHoleStart, 1));
  EXPECT_TRUE(m.IsRam(x86::kMmioHoleEnd, 4096));
}

TEST(GuestMemoryTest, AccessesAreBoundsChecked) {
  GuestMemory m = GuestMemory::CreateX86(4 << 20);
  uint64_t end = 4 << 20;
  uint8_t buf[16] = {};
  EXPECT_TRUE(m.Write(end - 16, buf, 16));
  EXPECT_FALSE(m.Write(end - 15, buf, 16));  // straddles the end
  EXPECT_FALSE(m.Read(end, buf, 1));
  EXPECT_TRUE(m.Read(end, buf, 0));  // an empty range at the end is fine
  // Lengths and addresses chosen so that a naive gpa+len would overflow.
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(m.HostAddress(16, kMax), nullptr);
  EXPECT_EQ(m.HostAddress(kMax, 2), nullptr);
  EXPECT_EQ(m.HostAddress(kMax - 1, kMax), nullptr);
}

TEST(GuestMemoryTest, ReadsBackWhatWasWritten) {
  GuestMemory m = GuestMemory::CreateX86(4 << 20);
  uint64_t value = 0x1122334455667788;
  ASSERT_TRUE(m.WriteObject(0x1000, value));
  uint64_t out = 0;
  ASSERT_TRUE(m.ReadObject(0x1000, &out));
  EXPECT_EQ(out, value);
}

TEST(GuestMemoryTest, RejectsBadSizes) {
  EXPECT_THROW(GuestMemory::CreateX86(1 << 20), VmmError);
  EXPECT_THROW(GuestMemory::CreateX86((4 << 20) + 1), VmmError);
}

TEST(GuestMemoryTest, WriteOrThrowNamesWhatDidNotFit) {
  GuestMemory m = GuestMemory::CreateX86(4 << 20);
  std::vector<uint8_t> data(16);
  try {
    m.WriteOrThrow((4 << 20) - 8, data, "the widget");
    FAIL() << "expected an error";
  } catch (const VmmError& e) {
    EXPECT_NE(std::string(e.what()).find("the widget"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("--memory"), std::string::npos);
  }
}

}  // namespace
}  // namespace tinyrange
