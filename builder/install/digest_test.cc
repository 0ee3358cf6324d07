#include "builder/install/digest.h"

#include <gtest/gtest.h>

namespace tinyrange::install {
namespace {

TEST(DigestTest, KnownVectors) {
  EXPECT_EQ(HexOf(DigestOf(DigestKind::kMd5, "")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexOf(DigestOf(DigestKind::kSha1, "abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HexOf(DigestOf(DigestKind::kSha256, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestTest, IncrementalEqualsOneShot) {
  Digest digest(DigestKind::kSha1);
  digest.Update("ab", 2);
  digest.Update("c", 1);
  EXPECT_EQ(digest.Finish(), DigestOf(DigestKind::kSha1, "abc"));
}

TEST(DigestTest, ApkSpelling) {
  // `printf 'hello\n' | openssl sha1 -binary | base64`
  EXPECT_EQ(ApkQ1(DigestOf(DigestKind::kSha1, "hello\n")), "Q19XLTlvrpIGYocU+yzgD3LpTyJY8=");
}

}  // namespace
}  // namespace tinyrange::install
