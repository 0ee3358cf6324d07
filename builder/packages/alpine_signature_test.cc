// Signed APKINDEX.tar.gz files built like Alpine builds them, with RSA keys
// made here: what verifies, and every way it must not.
#include "builder/packages/alpine_signature.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "builder/packages/alpine_test_fixtures.h"
#include "builder/packages/decompress.h"

namespace tinyrange::packages {
namespace {

namespace fs = std::filesystem;
using testing::Gzip;
using testing::SignedApkIndex;
using testing::Tar;

const char* kApkIndex = "C:Q1Ei4b0HlqVUZUA+CYK/ACvvmNrDs=\nP:busybox\nV:1.36.1-r29\nA:x86_64\nS:1\n\n";
const char* kKey = "builder-test-6165ee59.rsa.pub";

class AlpineSignatureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("tr_alpine_sig_" + std::to_string(getpid())));
    // "good" holds the signer's public key; "evil" a different key under
    // the same name; "empty" none.
    ok_ = testing::MakeRsaKey((*root_ / "private").string(), (*root_ / "good").string(), kKey) &&
          testing::MakeRsaKey((*root_ / "private-evil").string(), (*root_ / "evil").string(), kKey);
    fs::create_directories(*root_ / "empty");
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    root_ = nullptr;
  }
  void SetUp() override {
    if (!ok_) GTEST_SKIP() << "SKIPPED LOUDLY: openssl could not make RSA keys";
  }
  static std::string Dir(const char* name) { return (*root_ / name).string(); }

  static fs::path* root_;
  static bool ok_;
};

fs::path* AlpineSignatureTest::root_ = nullptr;
bool AlpineSignatureTest::ok_ = false;

TEST_F(AlpineSignatureTest, VerifiesSha1AndSha256Signatures) {
  for (bool sha256 : {false, true}) {
    testing::SignedIndexOptions options;
    options.sha256 = sha256;
    std::string file = SignedApkIndex(kApkIndex, Dir("private"), kKey, options);
    std::string error;
    auto verified = VerifyApkIndex(file, "main/x86_64/APKINDEX.tar.gz", Dir("good"), &error);
    ASSERT_TRUE(verified) << error;
    EXPECT_EQ(verified->apkindex, kApkIndex);
    EXPECT_EQ(verified->description, options.description);
    EXPECT_EQ(verified->key, kKey);
  }
}

TEST_F(AlpineSignatureTest, TheFirstSignatureByAKnownKeyIsChecked) {
  testing::SignedIndexOptions options;
  options.decoy_key = "someone-else.rsa.pub";
  std::string file = SignedApkIndex(kApkIndex, Dir("private"), kKey, options);
  std::string error;
  auto verified = VerifyApkIndex(file, "idx", Dir("good"), &error);
  ASSERT_TRUE(verified) << error;
  EXPECT_EQ(verified->key, kKey);
  EXPECT_FALSE(VerifyApkIndex(file, "idx", Dir("empty"), &error));
  EXPECT_NE(error.find("signed with key 'someone-else.rsa.pub', '" + std::string(kKey) + "', which is not"),
            std::string::npos)
      << error;
}

TEST_F(AlpineSignatureTest, TheFileReadsAsOneTarLikeAlpinesDoes) {
  // The signature tar has no end blocks, so the whole file decompresses to
  // one tar: signature entry first, then DESCRIPTION and APKINDEX.
  std::string file = SignedApkIndex(kApkIndex, Dir("private"), kKey);
  std::string error;
  auto tar = DecompressBuffer(file, "index", &error);
  ASSERT_TRUE(tar) << error;
  EXPECT_EQ(tar->rfind(std::string(".SIGN.RSA.") + kKey, 0), 0u);
  EXPECT_EQ(tar->substr(512 + 512, 11), "DESCRIPTION");  // a 256-byte signature pads to one block
}

TEST_F(AlpineSignatureTest, FindsTheStreamBoundary) {
  std::string a = Gzip(std::string(3000, 'a')), b = Gzip("b");
  auto length = FirstGzipStreamLength(a + b, 1 << 20);
  ASSERT_TRUE(length);
  EXPECT_EQ(*length, a.size());
  EXPECT_FALSE(FirstGzipStreamLength(a, 1 << 20));
  EXPECT_FALSE(FirstGzipStreamLength(a.substr(0, a.size() - 1) + b, 1 << 20));
}

TEST_F(AlpineSignatureTest, WrongKeyIsABadSignature) {
  std::string file = SignedApkIndex(kApkIndex, Dir("private"), kKey);
  std::string error;
  EXPECT_FALSE(VerifyApkIndex(file, "main/x86_64/APKINDEX.tar.gz", Dir("evil"), &error));
  EXPECT_NE(error.find("main/x86_64/APKINDEX.tar.gz: BAD SIGNATURE: the key '" + std::string(kKey) + "'"),
            std::string::npos)
      << error;
}

TEST_F(AlpineSignatureTest, UnknownKeyIsNamed) {
  std::string file = SignedApkIndex(kApkIndex, Dir("private"), kKey);
  std::string error;
  EXPECT_FALSE(VerifyApkIndex(file, "idx", Dir("empty"), &error));
  EXPECT_NE(
      error.find("idx: signed with key '" + std::string(kKey) + "', which is not in the key directory " + Dir("empty")),
      std::string::npos)
      << error;
}

TEST_F(AlpineSignatureTest, AlteredIndexFailsVerification) {
  std::string good = SignedApkIndex(kApkIndex, Dir("private"), kKey);
  std::string other =
      SignedApkIndex("C:Q1Ei4b0HlqVUZUA+CYK/ACvvmNrDs=\nP:evil\nV:1-r0\nA:x86_64\nS:1\n\n", Dir("private-evil"), kKey);
  // The signature stream of the good file, the index stream of the other.
  auto good_split = FirstGzipStreamLength(good, 1 << 16), other_split = FirstGzipStreamLength(other, 1 << 16);
  ASSERT_TRUE(good_split && other_split);
  std::string spliced = good.substr(0, *good_split) + other.substr(*other_split);
  std::string error;
  EXPECT_FALSE(VerifyApkIndex(spliced, "idx", Dir("good"), &error));
  EXPECT_NE(error.find("BAD SIGNATURE"), std::string::npos) << error;
  // One flipped byte in the index stream.
  std::string flipped = good;
  flipped[flipped.size() - 20] ^= 1;
  EXPECT_FALSE(VerifyApkIndex(flipped, "idx", Dir("good"), &error));
  EXPECT_NE(error.find("BAD SIGNATURE"), std::string::npos) << error;
}

TEST_F(AlpineSignatureTest, MalformedFilesAreErrors) {
  std::string good = SignedApkIndex(kApkIndex, Dir("private"), kKey);
  std::string index_only = Gzip(Tar({{"DESCRIPTION", "x"}, {"APKINDEX", kApkIndex}}, true));
  const std::pair<std::string, std::string> cases[] = {
      {"", "not a gzip file"},
      {"APKINDEX plain text", "not a gzip file"},
      {index_only, "has no signature"},
      {good.substr(0, 100), "has no signature"},
      {Gzip(Tar({{"README", "x"}}, false)) + index_only, "no .SIGN.RSA.* or .SIGN.RSA256.* entry"},
      {Gzip(Tar({{".SIGN.RSA.../../etc/key", "x"}}, false)) + index_only, "invalid key '../../etc/key'"},
      {good.substr(0, good.size() - 30), "BAD SIGNATURE"},
  };
  for (const auto& [file, expected] : cases) {
    std::string error;
    EXPECT_FALSE(VerifyApkIndex(file, "idx", Dir("good"), &error)) << expected;
    EXPECT_NE(error.find(expected), std::string::npos) << "error: " << error << "\nexpected: " << expected;
    EXPECT_EQ(error.rfind("idx: ", 0), 0u) << error;
  }
}

}  // namespace
}  // namespace tinyrange::packages
