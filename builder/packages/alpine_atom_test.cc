#include "builder/packages/alpine_atom.h"

#include <gtest/gtest.h>

namespace tinyrange::packages {
namespace {

AlpineAtom Parse(const std::string& text) {
  std::string error;
  auto atom = ParseAlpineAtom(text, &error);
  EXPECT_TRUE(atom) << text << ": " << error;
  return atom ? *atom : AlpineAtom{};
}

TEST(AlpineAtomTest, ParsesEveryForm) {
  AlpineAtom a = Parse("so:libc.musl-x86_64.so.1");
  EXPECT_EQ(a.name, "so:libc.musl-x86_64.so.1");
  EXPECT_FALSE(a.versioned());
  a = Parse("busybox>=1.36");
  EXPECT_EQ(a.name, "busybox");
  EXPECT_TRUE(a.greater && a.equal && !a.less);
  EXPECT_EQ(a.version, "1.36");
  a = Parse("!openssl-dev<3");
  EXPECT_TRUE(a.conflict && a.less && !a.equal);
  EXPECT_EQ(a.name, "openssl-dev");
  a = Parse("musl~1.2");
  EXPECT_TRUE(a.fuzzy && a.equal);
  a = Parse("pc:zlib=1.3.1");
  EXPECT_EQ(a.name, "pc:zlib");
  EXPECT_TRUE(a.equal && !a.fuzzy);
  a = Parse("foo@edge>2");
  EXPECT_EQ(a.tag, "edge");
  EXPECT_EQ(a.name, "foo");
  a = Parse("foo><Q1abc=");
  EXPECT_TRUE(a.checksum);
  EXPECT_FALSE(a.versioned());
  for (const char* text : {"so:libc.musl-x86_64.so.1", "a>=1.2", "!b<2", "c~1.2", "d>~3", "e<~4", "f=1-r0", "g><Q1x"}) {
    EXPECT_EQ(AlpineAtomToString(Parse(text)), text);
  }
}

TEST(AlpineAtomTest, RejectsMalformed) {
  for (const char* bad : {"", "!", ">=1", "a>=", "a<>1", "a>=x.y", "a@", "a><"}) {
    std::string error;
    EXPECT_FALSE(ParseAlpineAtom(bad, &error)) << bad;
    EXPECT_NE(error.find("bad dependency"), std::string::npos) << error;
  }
}

TEST(AlpineAtomTest, MatchesVersions) {
  EXPECT_TRUE(AlpineVersionMatches("1.2.3", Parse("a>=1.2")));
  EXPECT_FALSE(AlpineVersionMatches("1.1", Parse("a>=1.2")));
  EXPECT_TRUE(AlpineVersionMatches("1.9", Parse("a<2")));
  EXPECT_FALSE(AlpineVersionMatches("2.0", Parse("a<2")));
  EXPECT_TRUE(AlpineVersionMatches("2", Parse("a<=2")));
  EXPECT_TRUE(AlpineVersionMatches("2.0.1", Parse("a>2")));
  EXPECT_TRUE(AlpineVersionMatches("1.0-r0", Parse("a=1.0-r0")));
  EXPECT_FALSE(AlpineVersionMatches("1.0-r1", Parse("a=1.0-r0")));
  EXPECT_TRUE(AlpineVersionMatches("1.2.5-r1", Parse("a~1.2")));
  EXPECT_FALSE(AlpineVersionMatches("1.20", Parse("a~1.2")));
  EXPECT_TRUE(AlpineVersionMatches("1.3", Parse("a>~1.2")));
  EXPECT_TRUE(AlpineVersionMatches("1.2.7", Parse("a>~1.2")));
  EXPECT_FALSE(AlpineVersionMatches("1.1", Parse("a>~1.2")));
  EXPECT_TRUE(AlpineVersionMatches("0.1", Parse("a")));
  std::string error;
  auto list = ParseAlpineAtoms("  so:libc.musl-x86_64.so.1 cmd:sh  !foo  ", &error);
  ASSERT_TRUE(list) << error;
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].name, "cmd:sh");
}

}  // namespace
}  // namespace tinyrange::packages
