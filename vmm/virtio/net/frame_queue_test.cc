#include "vmm/virtio/net/frame_queue.h"

#include <gtest/gtest.h>

namespace tinyrange::virtio {
namespace {

TEST(FrameQueueTest, BoundedInFramesAndInBytes) {
  FrameQueue by_count(2, 1000);
  std::vector<uint8_t> frame(10, 1);
  EXPECT_TRUE(by_count.Push(frame));
  EXPECT_TRUE(by_count.Push(frame));
  EXPECT_FALSE(by_count.Push(frame));
  EXPECT_EQ(by_count.size(), 2u);

  FrameQueue by_bytes(100, 25);
  EXPECT_TRUE(by_bytes.Push(frame));
  EXPECT_TRUE(by_bytes.Push(frame));
  EXPECT_FALSE(by_bytes.Push(frame));
  EXPECT_EQ(by_bytes.bytes(), 20u);
}

TEST(FrameQueueTest, FirstInFirstOut) {
  FrameQueue q(10, 1000);
  q.Push(std::vector<uint8_t>{1});
  q.Push(std::vector<uint8_t>{2, 2});
  EXPECT_EQ(q.Pop(), std::vector<uint8_t>{1});
  EXPECT_EQ(q.bytes(), 2u);
  EXPECT_EQ(q.Pop(), (std::vector<uint8_t>{2, 2}));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

}  // namespace
}  // namespace tinyrange::virtio
