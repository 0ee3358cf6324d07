#include "builder/packages/debian_version.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace tinyrange::packages {
namespace {

int Sign(int x) { return (x > 0) - (x < 0); }

TEST(DebianVersionTest, ParsesEpochUpstreamAndRevision) {
  std::string error;
  auto v = DebianVersion::Parse("2:1.0-rc1-3+deb12u1", &error);
  ASSERT_TRUE(v) << error;
  EXPECT_EQ(v->epoch, 2u);
  EXPECT_EQ(v->upstream, "1.0-rc1");
  EXPECT_EQ(v->revision, "3+deb12u1");
  EXPECT_EQ(v->ToString(), "2:1.0-rc1-3+deb12u1");
  auto plain = DebianVersion::Parse("1.2.3", &error);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->epoch, 0u);
  EXPECT_EQ(plain->revision, "");
}

TEST(DebianVersionTest, RejectsMalformedVersionsSayingWhy) {
  for (const char* bad : {"", ":1.0", "a:1.0", "1.0-", "1:", "1.0 2", "1.0_1", "1.0-1:2", "99999999999:1"}) {
    std::string error;
    EXPECT_FALSE(DebianVersion::Parse(bad, &error)) << bad;
    EXPECT_NE(error.find("version '"), std::string::npos) << bad << ": " << error;
  }
}

TEST(DebianVersionTest, OrdersLikeDpkgOnKnownCases) {
  struct Case {
    const char* a;
    const char* b;
    int sign;
  } cases[] = {
      {"1.0", "1.0", 0},         {"1.0", "1.0-0", 0},      {"1.0", "1.0-1", -1},     {"1.0~rc1", "1.0", -1},
      {"1.0~~", "1.0~", -1},     {"1.0a", "1.0", 1},       {"1.0+b1", "1.0", 1},     {"1:0.1", "2.0", 1},
      {"1.2.3", "1.10", -1},     {"0.0", "00", 1},         {"1.0.0", "1.0", 1},      {"2.30-1~bpo1", "2.30-1", -1},
      {"1.001", "1.1", 0},       {"1.0-1ubuntu1", "1.0-1", 1}, {"1.0.a", "1.0+a", 1}, {"0:1.0", "1.0", 0},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Sign(CompareDebianVersionStrings(c.a, c.b)), c.sign) << c.a << " vs " << c.b;
    EXPECT_EQ(Sign(CompareDebianVersionStrings(c.b, c.a)), -c.sign) << c.b << " vs " << c.a;
  }
}

TEST(DebianVersionTest, InvalidVersionsSortFirst) {
  EXPECT_LT(CompareDebianVersionStrings("bad version", "0"), 0);
  EXPECT_EQ(CompareDebianVersionStrings("bad version", "also bad"), 0);
}

// dpkg itself is the reference: every pair of a varied set must compare as
// `dpkg --compare-versions` says.
TEST(DebianVersionTest, AgreesWithDpkgOnEveryPair) {
  if (std::system("dpkg --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "SKIPPED LOUDLY: dpkg is not installed";
  const std::vector<std::string> versions = {
      "0", "1.0", "1.0-1", "1.0~rc1", "1.0+b1", "1:0.9", "1.0a", "2.36-9+deb12u4", "2.36-9+deb12u10", "1.10",
      "1.9", "1.0-1~bpo12+1", "1.0~~a", "1.A",
  };
  // One shell for all pairs: dpkg runs once or twice per pair, no more.
  std::string pairs_path = ::testing::TempDir() + "/dpkg_pairs_" + std::to_string(getpid());
  {
    std::ofstream pairs(pairs_path);
    for (const auto& a : versions)
      for (const auto& b : versions) pairs << a << ' ' << b << '\n';
  }
  std::string script = "while read a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; "
                       "elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; else echo 1; fi; done < " +
                       pairs_path;
  FILE* out = popen(script.c_str(), "r");
  ASSERT_NE(out, nullptr);
  int mismatches = 0;
  for (const auto& a : versions) {
    for (const auto& b : versions) {
      int dpkg = 2;
      ASSERT_EQ(std::fscanf(out, "%d", &dpkg), 1);
      int ours = Sign(CompareDebianVersionStrings(a, b));
      if (ours != dpkg && ++mismatches <= 10) ADD_FAILURE() << a << " vs " << b << ": ours " << ours << ", dpkg " << dpkg;
    }
  }
  pclose(out);
  std::remove(pairs_path.c_str());
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace tinyrange::packages
