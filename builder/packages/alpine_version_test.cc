// Alpine version ordering, table-driven: the pairs follow the rules apk
// documents (and the cases its own test data checks), each compared both
// ways so the order is antisymmetric.
#include "builder/packages/alpine_version.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tinyrange::packages {
namespace {

struct Case {
  const char* a;
  char op;  // '<', '=', '>'
  const char* b;
};

const Case kCases[] = {
    // Plain numbers and dotted components.
    {"1", '<', "2"},
    {"9", '<', "10"},
    {"1.0", '<', "1.0.1"},
    {"1.0.1", '<', "1.1"},
    {"1.2.1", '>', "1.2"},
    {"0.9.12", '<', "0.9.13"},
    {"7.0.17", '<', "7.0.174"},
    {"2.59", '<', "20050718-r1"},
    {"1.0.0", '=', "1.0.0"},
    {"2.6.15.20060110", '<', "2.6.16.20060323"},
    {"0.99.3.20040818", '<', "1.0"},
    {"3.0.20060720", '<', "20060720"},
    // The first number is numeric even with leading zeros...
    {"1.06-r6", '<', "006"},
    {"013", '<', "014-r1"},
    {"087-r1", '<', "103"},
    {"3.0.0-r2", '<', "021109-r3"},
    // ...later ones compare as text when either has a leading zero.
    {"1.02", '<', "1.03-r1"},
    {"1.39", '>', "1.00_beta2"},
    {"4.01", '<', "4.20"},
    {"1.01", '<', "1.1"},
    {"1.001", '<', "1.01"},
    {"1.2.07.8", '<', "1.2.12.04"},
    {"1.07-r1", '<', "1.07.5"},
    {"0.01", '<', "0.06"},
    {"2.02.06", '<', "2.02.10"},
    {"1.0", '=', "1.0"},
    // Letters.
    {"1.1a", '<', "1.3a"},
    {"2.5.1-r8", '<', "2.5.1a-r1"},
    {"1.7", '<', "1.7b"},
    {"1.6d", '>', "1.2.07.8"},
    {"0.15.1b", '<', "0.15.1b-r2"},
    {"6b-r7", '>', "1.12-r7"},
    {"1.0a", '<', "1.0.1"},
    {"1.0a", '<', "1.0b"},
    // Pre-release suffixes sort before the release, in order.
    {"1.0_alpha", '<', "1.0_beta"},
    {"1.0_beta", '<', "1.0_pre"},
    {"1.0_pre", '<', "1.0_rc"},
    {"1.0_rc", '<', "1.0"},
    {"1.1", '>', "1.1_alpha1"},
    {"1.3_alpha", '<', "1.3_alpha2"},
    {"0.1.0_alpha2", '>', "0.1.0_alpha"},
    {"0.8_beta1", '<', "0.8_beta2"},
    {"2.1_pre20", '<', "2.1_pre26"},
    {"1.3_pre1-r1", '<', "1.3.2"},
    {"0.10.0", '<', "0.10.1_rc1"},
    {"0.1.0_alpha_pre2", '<', "0.1.0_alpha"},
    {"1.0_rc1", '<', "1.0_rc10"},
    {"1.0.0_pre20191002222144-r0", '<', "1.0.0_pre20210530193627-r0"},
    // Post-release suffixes sort after it, in order.
    {"1.0", '<', "1.0_cvs"},
    {"1.0_cvs", '<', "1.0_svn"},
    {"1.0_svn", '<', "1.0_git"},
    {"1.0_git", '<', "1.0_hg"},
    {"1.0_hg", '<', "1.0_p"},
    {"3.1_p16", '<', "3.1_p17"},
    {"1.0_p10-r0", '>', "1.0_p9-r0"},
    {"1.8.5", '<', "1.8.5_p2"},
    {"4.5_p1-r1", '>', "4.5_p1"},
    {"1.0_p1", '<', "1.0.1"},
    // Revisions.
    {"1.0.4-r3", '<', "1.0.4-r4"},
    {"1.3.5-r10", '>', "1.3.5-r8"},
    {"2.8.9-r1", '>', "2.8.9"},
    {"1.0-r0", '>', "1.0"},
    {"1.3-r0", '<', "1.3.1-r0"},
    {"2.16.1-r3", '=', "2.16.1-r3"},
    {"104-r11", '>', "104-r9"},
    // Commit hashes sit between suffixes and the revision.
    {"1.0~abc", '>', "1.0"},
    {"1.0~abc", '<', "1.0~abd"},
    {"1.0~abc-r1", '>', "1.0~abc"},
    {"1.0~abc", '<', "1.0_p1"},
    {"1.0_p1", '<', "1.0_p1~00"},
    // Invalid versions: ordered by the valid prefix, the bad token lowest.
    {"1.0", '<', "1.0bc"},
    {"23_foo", '>', "4_beta"},
    {"1.0_foo", '<', "1.0"},
    {"1.0-x", '<', "1.0"},
    {"1.0-x", '=', "1.0-y"},
    {"", '=', "x"},
    {"1.0", '>', ""},
};

char Order(int r) { return r < 0 ? '<' : r > 0 ? '>' : '='; }
char Reverse(char op) { return op == '<' ? '>' : op == '>' ? '<' : '='; }

TEST(AlpineVersionTest, OrdersTheTable) {
  for (const auto& c : kCases) {
    EXPECT_EQ(Order(CompareAlpineVersions(c.a, c.b)), c.op) << c.a << " vs " << c.b;
    EXPECT_EQ(Order(CompareAlpineVersions(c.b, c.a)), Reverse(c.op)) << c.b << " vs " << c.a;
  }
}

TEST(AlpineVersionTest, Validates) {
  for (const char* good : {"1", "1.2.3", "1.2a", "1.0_alpha", "1.0_alpha1_pre2", "1.0_p1-r3", "20231004", "1.0~a1b2",
                           "1.0~a1b2-r0", "0.1-r10"}) {
    EXPECT_TRUE(IsValidAlpineVersion(good)) << good;
  }
  for (const char* bad : {"", "a", ".1", "1.", "1..2", "1.0bc", "1.0_foo", "1.0-1", "1.0-r", "1.0-r1-r2", "1.0 ",
                          "1.0_", "1.0~", "1.0-r1_p1", "1.0~zz", "1.0a.1", "v1.0", "1.0-r1a"}) {
    EXPECT_FALSE(IsValidAlpineVersion(bad)) << bad;
  }
}

TEST(AlpineVersionTest, SortingIsTotalOnValidVersions) {
  std::vector<std::string> versions = {"1.0_rc1", "1.0",  "1.0-r1",    "1.0_p1",          "1.0.1_alpha", "1.0.1",
                                       "0.9",     "1.0a", "1.0_alpha", "1.0_git20200101", "1.0~ff"};
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return CompareAlpineVersions(a, b) < 0; });
  // After the bare version, the kind of what follows decides: a revision
  // is the smallest step up, then a hash, a post-release suffix, a letter,
  // another number.
  std::vector<std::string> expected = {"0.9",    "1.0_alpha",       "1.0_rc1", "1.0",  "1.0-r1",
                                       "1.0~ff", "1.0_git20200101", "1.0_p1",  "1.0a", "1.0.1_alpha",
                                       "1.0.1"};
  EXPECT_EQ(versions, expected);
}

TEST(AlpineVersionTest, FuzzyPrefix) {
  EXPECT_TRUE(AlpineVersionHasPrefix("1.2", "1.2"));
  EXPECT_TRUE(AlpineVersionHasPrefix("1.2.9", "1.2"));
  EXPECT_TRUE(AlpineVersionHasPrefix("1.2-r3", "1.2"));
  EXPECT_TRUE(AlpineVersionHasPrefix("1.2_rc1", "1.2"));
  EXPECT_FALSE(AlpineVersionHasPrefix("1.20", "1.2"));
  EXPECT_FALSE(AlpineVersionHasPrefix("1.3", "1.2"));
  EXPECT_FALSE(AlpineVersionHasPrefix("1", "1.2"));
}

}  // namespace
}  // namespace tinyrange::packages
