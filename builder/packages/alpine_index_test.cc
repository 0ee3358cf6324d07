#include "builder/packages/alpine_index.h"

#include <gtest/gtest.h>

namespace tinyrange::packages {
namespace {

// Two entries in the exact upstream layout (field order as apk writes it).
const char* kIndex =
    "C:Q1Ei4b0HlqVUZUA+CYK/ACvvmNrDs=\n"
    "P:busybox\n"
    "V:1.36.1-r29\n"
    "A:x86_64\n"
    "S:516344\n"
    "I:975122\n"
    "T:Size optimized toolbox of many common UNIX utilities\n"
    "U:https://example.invalid/busybox\n"
    "L:GPL-2.0-only\n"
    "o:busybox\n"
    "m:Someone <someone@example.invalid>\n"
    "t:1716819433\n"
    "c:0123456789abcdef0123456789abcdef01234567\n"
    "D:so:libc.musl-x86_64.so.1 !busybox-old\n"
    "p:cmd:busybox=1.36.1-r29 cmd:sh=1.36.1-r29 /bin/sh\n"
    "\n"
    "C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
    "P:busybox-doc\n"
    "V:1.36.1-r29\n"
    "A:noarch\n"
    "S:100\n"
    "I:200\n"
    "i:docs busybox=1.36.1-r29\n"
    "k:10\n"
    "\n"
    "C:Q1BBBBBBBBBBBBBBBBBBBBBBBBBBB=\n"
    "P:other-arch\n"
    "V:1.0-r0\n"
    "A:aarch64\n"
    "S:1\n"
    "\n";

TEST(AlpineIndexTest, ConvertsEntries) {
  std::string error;
  auto records = ConvertApkIndex(kIndex, "v3.20/main/x86_64/APKINDEX", "x86_64", &error);
  ASSERT_TRUE(records) << error;
  ASSERT_EQ(records->size(), 2u);  // the aarch64 entry is skipped
  const PackageRecord& b = (*records)[0];
  EXPECT_EQ(b.name, "busybox");
  EXPECT_EQ(b.version, "1.36.1-r29");
  EXPECT_EQ(b.architecture, "x86_64");
  EXPECT_EQ(b.size, 516344u);
  EXPECT_EQ(b.installed_size, 975122u);
  EXPECT_EQ(b.description, "Size optimized toolbox of many common UNIX utilities");
  EXPECT_EQ(b.source, "busybox");
  EXPECT_EQ(b.depends, "so:libc.musl-x86_64.so.1 !busybox-old");
  EXPECT_EQ(b.provides, "cmd:busybox=1.36.1-r29 cmd:sh=1.36.1-r29 /bin/sh");
  EXPECT_EQ(b.checksum, "sha1b64:Ei4b0HlqVUZUA+CYK/ACvvmNrDs=");
  EXPECT_EQ(b.filename, "busybox-1.36.1-r29.apk");
  const PackageRecord& d = (*records)[1];
  EXPECT_EQ(d.install_if, "docs busybox=1.36.1-r29");
  EXPECT_EQ(d.architecture, "noarch");
  EXPECT_EQ(d.priority, "10");
}

TEST(AlpineIndexTest, AcceptsAnIndexWithoutTheFinalBlankLine) {
  std::string text = kIndex;
  text.pop_back();
  std::string error;
  auto records = ConvertApkIndex(text, "idx", "x86_64", &error);
  ASSERT_TRUE(records) << error;
  EXPECT_EQ(records->size(), 2u);
  records = ConvertApkIndex("", "idx", "x86_64", &error);
  ASSERT_TRUE(records) << error;
  EXPECT_TRUE(records->empty());
}

struct Bad {
  std::string text;
  std::string expected;  // a part of the error
};

TEST(AlpineIndexTest, ErrorsNameTheFileLineAndPackage) {
  const std::string ok = "C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:a\nV:1.0-r0\nA:x86_64\nS:1\n";
  const Bad cases[] = {
      {std::string(kIndex).substr(0, 40), "idx:2: truncated"},
      {ok + "\nC:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:b\nV:1.0-r0\nA:x86_64\n\n",
       "idx:7: package 'b': the entry has no S"},
      {"C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:c\nV:1..0\n", "idx:3: package 'c': '1..0' is not a valid Alpine version"},
      {"P:d\nV:1.0\nA:x86_64\nS:12x\n", "idx:4: package 'd': S (size) is not a number"},
      {"P:e\nV:1.0\nA:x86_64\nS:1\nI:-1\n", "idx:5: package 'e': I (installed size) is not a number"},
      {"P:f\nC:deadbeef\n", "idx:2: package 'f': C (checksum)"},
      {"P:g\nV:1.0\nD:so:libc.musl-x86_64.so.1 foo>=\n", "idx:3: package 'g': D (depends): bad dependency 'foo>='"},
      {"P:h\nV:1.0\np:bar=x.y\n", "idx:3: package 'h': p (provides): bad dependency"},
      {"P:i\nV:1.0\ni:>=1\n", "idx:3: package 'i': i (install_if): bad dependency"},
      {"P:j\nthis is not a field\n", "idx:2: package 'j': expected a 'K:value' line"},
      {ok + "\nV:1.0\nA:x86_64\nS:1\nC:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", "idx:7: the entry has no P (name)"},
      {"P:k\nV:1.0\nA:x86_64\nS:1\n\n", "idx:1: package 'k': the entry has no C (checksum)"},
      {"P:l\nk:high\n", "idx:2: package 'l': k (provider priority) is not a number"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(ConvertApkIndex(c.text, "idx", "x86_64", &error)) << c.text;
    EXPECT_NE(error.find(c.expected), std::string::npos) << "error: " << error << "\nexpected: " << c.expected;
  }
}

}  // namespace
}  // namespace tinyrange::packages
