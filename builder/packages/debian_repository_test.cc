// The repository path end to end against a local HTTP server: an InRelease
// signed by a key the test makes with gpg, a Packages.xz fetched by hash,
// converted into records and loaded; then what must fail does.
#include "builder/packages/debian_repository.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "builder/download/sha256.h"
#include "builder/download/test_http_server.h"
#include "builder/packages/package_index.h"

namespace tinyrange::packages {
namespace {

namespace fs = std::filesystem;

std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, p)) > 0) out.append(buffer, n);
  int status = pclose(p);
  EXPECT_EQ(status, 0) << command;
  return out;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DebianRepositoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("gpg --version >/dev/null 2>&1") != 0) return;
    home_ = new fs::path(fs::path(::testing::TempDir()) / ("trgpg" + std::to_string(getpid())));
    fs::create_directories(*home_);
    fs::permissions(*home_, fs::perms::owner_all);
    for (const char* who : {"good", "evil"}) {
      fs::create_directories(*home_ / who);
      fs::permissions(*home_ / who, fs::perms::owner_all);
      Shell("GNUPGHOME=" + (*home_ / who).string() +
            " gpg --batch --quiet --passphrase '' --quick-gen-key 'tinyrange test " + who +
            " <test@tinyrange.invalid>' ed25519 sign never 2>/dev/null");
      Shell("GNUPGHOME=" + (*home_ / who).string() + " gpg --batch --export > " + (*home_ / who).string() + ".gpg");
    }
  }
  static void TearDownTestSuite() {
    if (!home_) return;
    for (const char* who : {"good", "evil"}) {
      std::system(("GNUPGHOME=" + (*home_ / who).string() + " gpgconf --kill all 2>/dev/null").c_str());
    }
    // A stopping agent unlinks its own sockets after gpgconf returns, so a
    // single remove_all can race it and find an entry gone mid-walk: retry.
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::error_code ec;
      fs::remove_all(*home_, ec);
      if (!ec) break;
      usleep(20 * 1000);
    }
    delete home_;
    home_ = nullptr;
  }

  void SetUp() override {
    if (!home_) GTEST_SKIP() << "SKIPPED LOUDLY: gpg is not installed";
    cache_ = fs::path(::testing::TempDir()) / ("repo_cache_" + std::to_string(getpid()));
    fs::remove_all(cache_);
    packages_ =
        "Package: hello\nVersion: 2.10-3\nArchitecture: amd64\nDepends: libc6 (>= 2.34)\n"
        "Filename: pool/main/h/hello/hello_2.10-3_amd64.deb\nSize: 53000\nSHA256: " + std::string(64, 'b') +
        "\nDescription: example package\n\n"
        "Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\nFilename: pool/main/g/glibc/libc6_2.36-9_amd64.deb\n"
        "Size: 2700000\nSHA256: " + std::string(64, 'c') + "\n\n";
    xz_ = Compress(packages_);
    Publish("good", "");
  }
  void TearDown() override { fs::remove_all(cache_); }

  static std::string Compress(const std::string& text) {
    fs::path in = fs::path(::testing::TempDir()) / ("pk_in_" + std::to_string(getpid()));
    std::ofstream(in, std::ios::binary) << text;
    std::string out = Shell("xz -c < " + in.string());
    fs::remove(in);
    return out;
  }

  // Signs a Release naming our Packages.xz and puts both on the server.
  void Publish(const std::string& signer, const std::string& extra_fields) {
    std::string release = "Origin: Test\nSuite: testing\nCodename: testing\nAcquire-By-Hash: yes\n" + extra_fields +
                          "SHA256:\n " + download::Sha256Hex(xz_) + " " + std::to_string(xz_.size()) +
                          " main/binary-amd64/Packages.xz\n";
    fs::path plain = *home_ / "Release";
    std::ofstream(plain, std::ios::binary) << release;
    std::string signed_text = Shell("GNUPGHOME=" + (*home_ / signer).string() + " gpg --batch --quiet --clearsign -o - " +
                                    plain.string());
    server_.Set("/debian/dists/testing/InRelease", {signed_text});
    server_.Set("/debian/dists/testing/main/binary-amd64/by-hash/SHA256/" + download::Sha256Hex(xz_), {xz_});
  }

  std::optional<DebianIndexes> Update(bool offline, std::string* error) {
    DebianSuite suite;
    suite.mirror = server_.Url("/debian");
    suite.suite = "testing";
    suite.keyring = (*home_ / "good").string() + ".gpg";
    download::DownloadOptions options;
    options.offline = offline;
    options.initial_backoff = std::chrono::milliseconds(5);
    download::Downloader downloader(options);
    return UpdateDebianIndexes({suite}, "amd64", cache_.string(), downloader, offline, error);
  }

  static fs::path* home_;
  download::testing::TestHttpServer server_;
  fs::path cache_;
  std::string packages_, xz_;
};

fs::path* DebianRepositoryTest::home_ = nullptr;

TEST_F(DebianRepositoryTest, FetchesVerifiesConvertsAndLoads) {
  std::string error;
  auto indexes = Update(false, &error);
  ASSERT_TRUE(indexes) << error;
  ASSERT_EQ(indexes->record_files.size(), 1u);
  auto index = PackageIndex::Load(indexes->record_files, &error);
  ASSERT_TRUE(index) << error;
  EXPECT_EQ(index->size(), 2u);
  ASSERT_EQ(index->WithName("hello").size(), 1u);
  EXPECT_EQ(index->package(index->WithName("hello")[0]).record.depends, "libc6 (>= 2.34)");
  EXPECT_EQ(index->repos()[0].repo, "testing/main/amd64");
  // Fetched by hash, never by name.
  EXPECT_EQ(server_.RequestsFor("/debian/dists/testing/main/binary-amd64/Packages.xz"), 0);
  std::string records = ReadFile(indexes->record_files[0]);
  // The second time the records are reused: only InRelease is fetched again.
  auto again = Update(false, &error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(server_.RequestsFor("/debian/dists/testing/main/binary-amd64/by-hash/SHA256/" + download::Sha256Hex(xz_)), 1);
  EXPECT_EQ(server_.RequestsFor("/debian/dists/testing/InRelease"), 2);
  EXPECT_EQ(ReadFile(again->record_files[0]), records);
}

TEST_F(DebianRepositoryTest, OfflineUsesTheCacheOnly) {
  std::string error;
  ASSERT_TRUE(Update(false, &error)) << error;
  auto offline = Update(true, &error);
  ASSERT_TRUE(offline) << error;
  EXPECT_EQ(server_.RequestsFor("/debian/dists/testing/InRelease"), 1);
  fs::remove_all(cache_);
  EXPECT_FALSE(Update(true, &error));
  EXPECT_NE(error.find("--offline"), std::string::npos) << error;
}

TEST_F(DebianRepositoryTest, ABadSignatureStopsEverything) {
  Publish("evil", "");
  std::string error;
  EXPECT_FALSE(Update(false, &error));
  EXPECT_NE(error.find("the signature does not verify"), std::string::npos) << error;
  EXPECT_NE(error.find("Nothing from this repository was used"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(cache_ / "records"));
}

TEST_F(DebianRepositoryTest, AnUnsignedReleaseIsRefused) {
  server_.Set("/debian/dists/testing/InRelease", {"Suite: testing\nSHA256:\n"});
  std::string error;
  EXPECT_FALSE(Update(false, &error));
  EXPECT_NE(error.find("the signature does not verify"), std::string::npos) << error;
}

TEST_F(DebianRepositoryTest, AnIndexNotMatchingTheReleaseIsRefused) {
  server_.Set("/debian/dists/testing/main/binary-amd64/by-hash/SHA256/" + download::Sha256Hex(xz_),
              {Compress(packages_ + "Package: injected\nVersion: 1\n\n").substr(0, xz_.size())});
  std::string error;
  EXPECT_FALSE(Update(false, &error));
  EXPECT_NE(error.find("SHA-256 mismatch"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(cache_ / "records"));
}

TEST_F(DebianRepositoryTest, AnExpiredReleaseIsRefused) {
  Publish("good", "Valid-Until: Sat, 01 Jan 2000 00:00:00 UTC\n");
  std::string error;
  EXPECT_FALSE(Update(false, &error));
  EXPECT_NE(error.find("expired"), std::string::npos) << error;
}

TEST_F(DebianRepositoryTest, AMalformedIndexNamesThePackageAndLine) {
  packages_ += "Package: broken\nVersion: 1.0\nArchitecture: amd64\nDepends: foo (>= )\nFilename: x\nSize: 1\nSHA256: " +
               std::string(64, 'd') + "\n\n";
  xz_ = Compress(packages_);
  Publish("good", "");
  std::string error;
  EXPECT_FALSE(Update(false, &error));
  EXPECT_NE(error.find("testing/main/binary-amd64/Packages.xz:17: package 'broken': Depends:"), std::string::npos) << error;
}

}  // namespace
}  // namespace tinyrange::packages
