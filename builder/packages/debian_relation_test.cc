#include "builder/packages/debian_relation.h"

#include <gtest/gtest.h>

namespace tinyrange::packages {
namespace {

TEST(DebianRelationTest, ParsesGroupsAlternativesVersionsAndQualifiers) {
  std::string error;
  auto groups = ParseRelations(
      "libc6 (>= 2.34), libfoo1 | libbar2 (<< 2:1.0~), python3:any,\n perl:native (= 5.36.0-7+deb12u1) [amd64 !i386] <!nocheck>",
      &error);
  ASSERT_TRUE(groups) << error;
  ASSERT_EQ(groups->size(), 4u);
  EXPECT_EQ((*groups)[0][0].name, "libc6");
  EXPECT_EQ((*groups)[0][0].op, VersionOp::kGreaterEqual);
  EXPECT_EQ((*groups)[0][0].version, "2.34");
  ASSERT_EQ((*groups)[1].size(), 2u);
  EXPECT_EQ((*groups)[1][1].name, "libbar2");
  EXPECT_EQ((*groups)[1][1].op, VersionOp::kLess);
  EXPECT_EQ((*groups)[1][1].version, "2:1.0~");
  EXPECT_EQ((*groups)[2][0].arch_qualifier, "any");
  EXPECT_EQ((*groups)[3][0].arch_qualifier, "native");
  EXPECT_EQ((*groups)[3][0].architectures, (std::vector<std::string>{"amd64", "!i386"}));
  EXPECT_EQ(RelationToString((*groups)[1][1]), "libbar2 (<< 2:1.0~)");
}

TEST(DebianRelationTest, EmptyFieldAndTrailingComma) {
  std::string error;
  EXPECT_TRUE(ParseRelations("", &error)->empty());
  EXPECT_EQ(ParseRelations("a, b,", &error)->size(), 2u);
}

TEST(DebianRelationTest, ErrorsSayWhere) {
  for (const char* bad : {"a (>= )", "a (=> 1.0)", "a (>= 1.0", "a b", "(>= 1)", "a | , b", "a [amd64", "a (>= 1 0)"}) {
    std::string error;
    EXPECT_FALSE(ParseRelations(bad, &error)) << bad;
    EXPECT_NE(error.find("column"), std::string::npos) << bad << ": " << error;
  }
}

TEST(DebianRelationTest, VersionSatisfiesEachOperator) {
  EXPECT_TRUE(VersionSatisfies("1.0", VersionOp::kAny, ""));
  EXPECT_TRUE(VersionSatisfies("1.0", VersionOp::kLess, "1.1"));
  EXPECT_FALSE(VersionSatisfies("1.1", VersionOp::kLess, "1.1"));
  EXPECT_TRUE(VersionSatisfies("1.1", VersionOp::kLessEqual, "1.1"));
  EXPECT_TRUE(VersionSatisfies("1:1.0", VersionOp::kEqual, "1:1.0-0"));
  EXPECT_TRUE(VersionSatisfies("1.1~rc1", VersionOp::kGreaterEqual, "1.1~"));
  EXPECT_TRUE(VersionSatisfies("2", VersionOp::kGreater, "1:0") == false);
  EXPECT_EQ(*ParseVersionOp("<"), VersionOp::kLessEqual);
  EXPECT_EQ(*ParseVersionOp(">"), VersionOp::kGreaterEqual);
  EXPECT_FALSE(ParseVersionOp("=<"));
}

}  // namespace
}  // namespace tinyrange::packages
