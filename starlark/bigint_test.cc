#include "starlark/bigint.h"

#include <gtest/gtest.h>

namespace tinyrange::starlark {
namespace {

TEST(BigInt, SmallArithmeticStaysSmall) {
  BigInt a(40), b(2);
  EXPECT_TRUE((a + b).IsSmall());
  EXPECT_EQ((a + b).Small(), 42);
  EXPECT_EQ((a * b).Small(), 80);
}

TEST(BigInt, OverflowPromotesAndDemotes) {
  BigInt max(INT64_MAX);
  BigInt big = max + BigInt(1);
  EXPECT_FALSE(big.IsSmall());
  EXPECT_EQ(big.ToString(), "9223372036854775808");
  BigInt back = big - BigInt(1);
  EXPECT_TRUE(back.IsSmall());
  EXPECT_EQ(back.Small(), INT64_MAX);
}

TEST(BigInt, FloorDivisionAndModulo) {
  EXPECT_EQ(BigInt::FloorDiv(BigInt(-7), BigInt(2)).Small(), -4);
  EXPECT_EQ(BigInt::FloorMod(BigInt(-7), BigInt(2)).Small(), 1);
  EXPECT_EQ(BigInt::FloorMod(BigInt(7), BigInt(-2)).Small(), -1);
  EXPECT_EQ(BigInt::FloorDiv(BigInt(INT64_MIN), BigInt(-1)).ToString(), "9223372036854775808");
}

TEST(BigInt, ParseAndPrint) {
  auto v = BigInt::Parse("123456789012345678901234567890", 10);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->ToString(), "123456789012345678901234567890");
  EXPECT_EQ(BigInt::Parse("ff", 16)->Small(), 255);
  EXPECT_FALSE(BigInt::Parse("12a", 10));
}

TEST(BigInt, ToDoubleRoundsToNearest) {
  auto v = BigInt::Parse("9007199254740993", 10);  // 2^53 + 1
  EXPECT_EQ(*v->ToDouble(), 9007199254740992.0);
  EXPECT_FALSE(BigInt(1).Shl(2000).ToDouble());
}

}  // namespace
}  // namespace tinyrange::starlark
