#include "vmm/stop_controller.h"

#include <gtest/gtest.h>

#include <thread>

namespace tinyrange {
namespace {

TEST(StopControllerTest, FirstEventWins) {
  StopController stop;
  int kicks = 0;
  stop.SetOnStop([&] { ++kicks; });
  EXPECT_TRUE(stop.Request({StopReason::kExitStatus, 7, "status"}));
  EXPECT_FALSE(stop.Request({StopReason::kPowerOff, 0, "later"}));
  ASSERT_TRUE(stop.event().has_value());
  EXPECT_EQ(stop.event()->reason, StopReason::kExitStatus);
  EXPECT_EQ(stop.event()->status, 7u);
  EXPECT_EQ(kicks, 1);
}

TEST(StopControllerTest, WaitUntilTimesOutWithoutEvent) {
  StopController stop;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
  EXPECT_FALSE(stop.WaitUntil(deadline).has_value());
  EXPECT_FALSE(stop.stopped());
}

TEST(StopControllerTest, WaitReturnsEventFromAnotherThread) {
  StopController stop;
  std::thread t([&] { stop.Request({StopReason::kReset, 0, "reset"}); });
  StopEvent e = stop.Wait();
  t.join();
  EXPECT_EQ(e.reason, StopReason::kReset);
  EXPECT_STREQ(StopReasonName(e.reason), "reset");
}

}  // namespace
}  // namespace tinyrange
