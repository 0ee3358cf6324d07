#include "vmm/virtio/split_queue.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

namespace tinyrange::virtio {
namespace {

constexpr uint64_t kDesc = 0x1000;
constexpr uint64_t kAvail = 0x2000;
constexpr uint64_t kUsed = 0x3000;
constexpr uint16_t kSize = 8;

// Plays the driver's part on synthetic guest memory.
class SplitQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Configure(false), ""); }

  std::string Configure(bool event_idx) {
    return queue.Configure(&memory, {kSize, kDesc, kAvail, kUsed}, event_idx);
  }
  void SetDesc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next = 0) {
    uint8_t raw[16];
    std::memcpy(raw, &addr, 8);
    std::memcpy(raw + 8, &len, 4);
    std::memcpy(raw + 12, &flags, 2);
    std::memcpy(raw + 14, &next, 2);
    ASSERT_TRUE(memory.Write(table + 16ULL * i, raw, 16));
  }
  void MakeAvailable(uint16_t head) {
    uint16_t idx = 0;
    memory.ReadObject(kAvail + 2, &idx);
    memory.WriteObject(kAvail + 4 + 2 * (idx % kSize), head);
    memory.WriteObject(kAvail + 2, static_cast<uint16_t>(idx + 1));
  }
  uint16_t UsedIdx() {
    uint16_t v = 0;
    memory.ReadObject(kUsed + 2, &v);
    return v;
  }
  std::optional<DescriptorChain> Pop() { return queue.Pop(&error); }

  GuestMemory memory = GuestMemory::CreateX86(4 << 20);
  SplitQueue queue;
  std::string error;
};

TEST_F(SplitQueueTest, EmptyQueueHasNothing) { EXPECT_FALSE(Pop().has_value()); }

TEST_F(SplitQueueTest, ReadableThenWritableChain) {
  SetDesc(kDesc, 0, 0x10000, 16, kDescFlagNext, 3);
  SetDesc(kDesc, 3, 0x20000, 512, kDescFlagNext | kDescFlagWrite, 5);
  SetDesc(kDesc, 5, 0x30000, 1, kDescFlagWrite);
  MakeAvailable(0);
  auto chain = Pop();
  ASSERT_TRUE(chain.has_value()) << error;
  EXPECT_EQ(chain->head, 0);
  ASSERT_EQ(chain->buffers.size(), 3u);
  EXPECT_EQ(chain->buffers[1].address, 0x20000u);
  EXPECT_TRUE(chain->buffers[1].device_writable);
  EXPECT_EQ(chain->readable_bytes, 16u);
  EXPECT_EQ(chain->writable_bytes, 513u);
  EXPECT_FALSE(Pop().has_value());
  queue.Push(chain->head, 513);
  EXPECT_EQ(UsedIdx(), 1);
  uint32_t id = 99, len = 0;
  memory.ReadObject(kUsed + 4, &id);
  memory.ReadObject(kUsed + 8, &len);
  EXPECT_EQ(id, 0u);
  EXPECT_EQ(len, 513u);
}

TEST_F(SplitQueueTest, LoopIsDetected) {
  SetDesc(kDesc, 0, 0x10000, 16, kDescFlagNext, 1);
  SetDesc(kDesc, 1, 0x10000, 16, kDescFlagNext, 0);
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("loops"), std::string::npos);
  EXPECT_TRUE(queue.broken());
  // A broken queue yields nothing more until it is reset.
  SetDesc(kDesc, 2, 0x10000, 16, 0);
  MakeAvailable(2);
  EXPECT_FALSE(Pop().has_value());
}

TEST_F(SplitQueueTest, IndicesAreChecked) {
  SetDesc(kDesc, 0, 0x10000, 16, kDescFlagNext, kSize);  // next beyond the table
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("out of range"), std::string::npos);
}

TEST_F(SplitQueueTest, HeadBeyondQueueIsRejected) {
  MakeAvailable(kSize + 1);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("beyond the queue"), std::string::npos);
}

TEST_F(SplitQueueTest, BuffersMustBeInGuestRam) {
  SetDesc(kDesc, 0, (4 << 20) - 8, 16, 0);  // straddles the end of RAM
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("outside guest RAM"), std::string::npos);
}

TEST_F(SplitQueueTest, WrappingAddressIsRejected) {
  SetDesc(kDesc, 0, std::numeric_limits<uint64_t>::max() - 4, 16, 0);
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
}

TEST_F(SplitQueueTest, ReadableAfterWritableIsRejected) {
  SetDesc(kDesc, 0, 0x10000, 16, kDescFlagNext | kDescFlagWrite, 1);
  SetDesc(kDesc, 1, 0x10000, 16, 0);
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("readable descriptor after a writable"), std::string::npos);
}

TEST_F(SplitQueueTest, IndirectTable) {
  constexpr uint64_t kTable = 0x8000;
  SetDesc(kTable, 0, 0x10000, 8, kDescFlagNext, 1);
  SetDesc(kTable, 1, 0x11000, 100, kDescFlagNext | kDescFlagWrite, 2);
  SetDesc(kTable, 2, 0x12000, 1, kDescFlagWrite);
  SetDesc(kDesc, 4, kTable, 3 * 16, kDescFlagIndirect);
  MakeAvailable(4);
  auto chain = Pop();
  ASSERT_TRUE(chain.has_value()) << error;
  EXPECT_EQ(chain->head, 4);
  ASSERT_EQ(chain->buffers.size(), 3u);
  EXPECT_EQ(chain->writable_bytes, 101u);
}

TEST_F(SplitQueueTest, IndirectRulesAreEnforced) {
  constexpr uint64_t kTable = 0x8000;
  // Nested indirect.
  SetDesc(kTable, 0, kTable, 16, kDescFlagIndirect);
  SetDesc(kDesc, 0, kTable, 16, kDescFlagIndirect);
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("nested"), std::string::npos);

  ASSERT_EQ(Configure(false), "");
  memory.WriteObject(kAvail + 2, uint16_t{0});
  SetDesc(kDesc, 0, kTable, 20, kDescFlagIndirect);  // not a multiple of 16
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("length"), std::string::npos);

  ASSERT_EQ(Configure(false), "");
  memory.WriteObject(kAvail + 2, uint16_t{0});
  SetDesc(kDesc, 0, kTable, 16, kDescFlagIndirect | kDescFlagNext, 1);
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("NEXT"), std::string::npos);

  ASSERT_EQ(Configure(false), "");
  memory.WriteObject(kAvail + 2, uint16_t{0});
  SetDesc(kDesc, 0, (4 << 20) - 16, 32, kDescFlagIndirect);  // table leaves RAM
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("outside guest RAM"), std::string::npos);
}

TEST_F(SplitQueueTest, IndirectLoopIsDetected) {
  constexpr uint64_t kTable = 0x8000;
  SetDesc(kTable, 0, 0x10000, 8, kDescFlagNext, 1);
  SetDesc(kTable, 1, 0x10000, 8, kDescFlagNext, 0);
  SetDesc(kDesc, 0, kTable, 2 * 16, kDescFlagIndirect);
  MakeAvailable(0);
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("loops"), std::string::npos);
}

TEST_F(SplitQueueTest, TooManyAvailableIsRejected) {
  memory.WriteObject(kAvail + 2, static_cast<uint16_t>(kSize + 1));
  EXPECT_FALSE(Pop().has_value());
  EXPECT_NE(error.find("more buffers"), std::string::npos);
}

TEST_F(SplitQueueTest, ConfigureChecksLayout) {
  SplitQueue q;
  EXPECT_NE(q.Configure(&memory, {6, kDesc, kAvail, kUsed}, false), "");       // not a power of two
  EXPECT_NE(q.Configure(&memory, {0, kDesc, kAvail, kUsed}, false), "");
  EXPECT_NE(q.Configure(&memory, {8, kDesc + 8, kAvail, kUsed}, false), "");   // misaligned
  EXPECT_NE(q.Configure(&memory, {8, kDesc, kAvail, kUsed + 2}, false), "");
  EXPECT_NE(q.Configure(&memory, {8, kDesc, kAvail, (4 << 20) - 16}, false), "");  // leaves RAM
  EXPECT_NE(q.Configure(&memory, {8, 0xc0000000ULL, kAvail, kUsed}, false), "");  // MMIO hole
  EXPECT_FALSE(q.ready());
  EXPECT_EQ(q.Configure(&memory, {8, kDesc, kAvail, kUsed}, false), "");
  EXPECT_TRUE(q.ready());
}

TEST_F(SplitQueueTest, InterruptSuppressionFlag) {
  SetDesc(kDesc, 0, 0x10000, 8, 0);
  MakeAvailable(0);
  queue.Push(Pop()->head, 0);
  EXPECT_TRUE(queue.ShouldInterrupt());
  EXPECT_FALSE(queue.ShouldInterrupt());  // nothing new
  memory.WriteObject(kAvail, kAvailFlagNoInterrupt);
  MakeAvailable(0);
  queue.Push(Pop()->head, 0);
  EXPECT_FALSE(queue.ShouldInterrupt());
}

TEST_F(SplitQueueTest, EventIndexDecidesInterrupts) {
  ASSERT_EQ(Configure(true), "");
  SetDesc(kDesc, 0, 0x10000, 8, 0);
  const uint64_t used_event = kAvail + 4 + 2 * kSize;
  // The driver wants an interrupt once the used index passes 1.
  memory.WriteObject(used_event, uint16_t{1});
  MakeAvailable(0);
  queue.Push(Pop()->head, 0);  // used idx 1: event 1 not yet passed
  EXPECT_FALSE(queue.ShouldInterrupt());
  MakeAvailable(0);
  queue.Push(Pop()->head, 0);  // used idx 2: passed
  EXPECT_TRUE(queue.ShouldInterrupt());
  // avail_event tells the driver where we are.
  uint16_t avail_event = 0;
  memory.ReadObject(kUsed + 4 + 8 * kSize, &avail_event);
  EXPECT_EQ(avail_event, 2);
}

TEST_F(SplitQueueTest, IndicesWrapAround) {
  SetDesc(kDesc, 0, 0x10000, 8, 0);
  for (int i = 0; i < 70000; ++i) {
    MakeAvailable(0);
    auto chain = Pop();
    ASSERT_TRUE(chain.has_value()) << i << ": " << error;
    queue.Push(chain->head, 1);
  }
  EXPECT_EQ(UsedIdx(), static_cast<uint16_t>(70000));
}

}  // namespace
}  // namespace tinyrange::virtio
