#include "guest-init/active_console.h"

#include <gtest/gtest.h>

namespace tinyrange {
namespace {

std::string Device(std::string_view active) {
  char out[64];
  if (!DeviceFromActiveConsoles(active, out, sizeof(out))) return "<none>";
  return out;
}

TEST(ActiveConsoleTest, TheLastListedConsoleIsTheDevice) {
  EXPECT_EQ(Device("ttyS0\n"), "/dev/ttyS0");
  EXPECT_EQ(Device("tty0 ttyS0\n"), "/dev/ttyS0");
  EXPECT_EQ(Device("ttyS0 hvc0"), "/dev/hvc0");
  EXPECT_EQ(Device("  hvc0  \n\n"), "/dev/hvc0");
}

TEST(ActiveConsoleTest, UnusableContents) {
  EXPECT_EQ(Device(""), "<none>");
  EXPECT_EQ(Device(" \n"), "<none>");
  EXPECT_EQ(Device("tty0 ../etc/passwd"), "<none>");
  EXPECT_EQ(Device("a/b"), "<none>");
  EXPECT_EQ(Device(".."), "<none>");
  EXPECT_EQ(Device(std::string_view("tt\0y", 4)), "<none>");
}

TEST(ActiveConsoleTest, TooSmallBuffer) {
  char out[9];  // "/dev/tty0" needs 10 bytes with its NUL
  EXPECT_FALSE(DeviceFromActiveConsoles("tty0", out, sizeof(out)));
  char fits[10];
  EXPECT_TRUE(DeviceFromActiveConsoles("tty0", fits, sizeof(fits)));
  EXPECT_STREQ(fits, "/dev/tty0");
}

}  // namespace
}  // namespace tinyrange
