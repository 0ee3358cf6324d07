// The Alpine repository path end to end against a local HTTP server:
// APKINDEX.tar.gz files for main and community signed with an RSA key the
// test makes, fetched, verified, converted and loaded; then what must fail
// does. The collection on top is configured the way users configure it.
#include "builder/packages/alpine_repository.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "builder/download/test_http_server.h"
#include "builder/packages/alpine_collection.h"
#include "builder/packages/alpine_planner.h"
#include "builder/packages/alpine_test_fixtures.h"
#include "builder/packages/package_index.h"

namespace tinyrange::packages {
namespace {

namespace fs = std::filesystem;

const char* kKey = "builder-test-61666e3f.rsa.pub";

std::string Entry(const std::string& name, const std::string& version, const std::string& extra = "") {
  return "C:Q1" + std::string(27, 'A') + "=\nP:" + name + "\nV:" + version + "\nA:x86_64\nS:1000\nI:2000\nT:" + name +
         " for tests\nU:https://example.invalid/\nL:MIT\no:" + name +
         "\nm:Test <test@example.invalid>\nt:1700000000\n" + extra + "\n";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AlpineRepositoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("tr_alpine_repo_" + std::to_string(getpid())));
    ok_ = testing::MakeRsaKey((*root_ / "private").string(), (*root_ / "keys").string(), kKey) &&
          testing::MakeRsaKey((*root_ / "private-evil").string(), (*root_ / "evil-keys").string(), kKey);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    root_ = nullptr;
  }

  void SetUp() override {
    if (!ok_) GTEST_SKIP() << "SKIPPED LOUDLY: openssl could not make RSA keys";
    cache_ = *root_ / ("cache_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(cache_);
    main_ = Entry("musl", "1.2.5-r0", "p:so:libc.musl-x86_64.so.1=1\n") +
            Entry("busybox", "1.36.1-r29", "D:so:libc.musl-x86_64.so.1\np:cmd:sh=1.36.1-r29\n");
    community_ = Entry("hello", "2.12.1-r0", "D:so:libc.musl-x86_64.so.1 cmd:sh\n");
    Publish("main", main_, "private");
    Publish("community", community_, "private");
  }
  void TearDown() override { fs::remove_all(cache_); }

  void Publish(const std::string& repo, const std::string& apkindex, const char* signer) {
    server_.Set("/alpine/v3.20/" + repo + "/x86_64/APKINDEX.tar.gz",
                {testing::SignedApkIndex(apkindex, (*root_ / signer).string(), kKey)});
  }

  std::optional<AlpineIndexes> Update(bool offline, std::string* error, const char* keys = "keys") {
    download::DownloadOptions options;
    options.offline = offline;
    options.retries = 0;
    options.initial_backoff = std::chrono::milliseconds(5);
    download::Downloader downloader(options);
    std::vector<AlpineRepository> repos = {{server_.Url("/alpine"), "v3.20", "main"},
                                           {server_.Url("/alpine"), "v3.20", "community"}};
    return UpdateAlpineIndexes(repos, "x86_64", (*root_ / keys).string(), cache_.string(), downloader, error);
  }

  static fs::path* root_;
  static bool ok_;
  download::testing::TestHttpServer server_;
  fs::path cache_;
  std::string main_, community_;
};

fs::path* AlpineRepositoryTest::root_ = nullptr;
bool AlpineRepositoryTest::ok_ = false;

TEST_F(AlpineRepositoryTest, FetchesVerifiesConvertsAndLoads) {
  std::string error;
  auto indexes = Update(false, &error);
  ASSERT_TRUE(indexes) << error;
  ASSERT_EQ(indexes->record_files.size(), 2u);
  for (const auto& f : indexes->record_files) {
    EXPECT_EQ(fs::path(f).parent_path(), cache_ / "records" / "alpine");
    EXPECT_EQ(fs::path(f).extension(), ".jsonl");
  }
  auto index = PackageIndex::Load(indexes->record_files, &error);
  ASSERT_TRUE(index) << error;
  EXPECT_EQ(index->distro(), Distro::kAlpine);
  EXPECT_EQ(index->size(), 3u);
  EXPECT_EQ(index->repos()[0].repo, "v3.20/main/x86_64");
  EXPECT_EQ(index->repos()[1].repo, "v3.20/community/x86_64");
  ASSERT_EQ(index->ProvidersOf("so:libc.musl-x86_64.so.1").size(), 1u);
  // The loaded index plans across both repositories.
  AlpinePlanRequest request;
  request.packages = {"hello"};
  auto plan = PlanAlpine(*index, request, &error);
  ASSERT_TRUE(plan) << error;
  ASSERT_EQ(plan->packages.size(), 3u);
  EXPECT_EQ(index->package(plan->packages.back().id).record.filename, "hello-2.12.1-r0.apk");
  // The second time the records are reused, the index fetched again.
  std::string records = ReadFile(indexes->record_files[0]);
  auto again = Update(false, &error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(server_.RequestsFor("/alpine/v3.20/main/x86_64/APKINDEX.tar.gz"), 2);
  EXPECT_EQ(again->record_files, indexes->record_files);
  EXPECT_EQ(ReadFile(again->record_files[0]), records);
  // A changed index makes a new record file.
  Publish("main", main_ + Entry("zlib", "1.3.1-r1"), "private");
  auto changed = Update(false, &error);
  ASSERT_TRUE(changed) << error;
  EXPECT_NE(changed->record_files[0], indexes->record_files[0]);
  EXPECT_EQ(changed->record_files[1], indexes->record_files[1]);
}

TEST_F(AlpineRepositoryTest, OfflineUsesTheCacheOnly) {
  std::string error;
  ASSERT_TRUE(Update(false, &error)) << error;
  auto offline = Update(true, &error);
  ASSERT_TRUE(offline) << error;
  EXPECT_EQ(server_.RequestsFor("/alpine/v3.20/main/x86_64/APKINDEX.tar.gz"), 1);
  ASSERT_EQ(offline->notes.size(), 2u);
  EXPECT_EQ(offline->notes[0], "v3.20/main: the cached index was used (offline)");
  fs::remove_all(cache_);
  EXPECT_FALSE(Update(true, &error));
}

TEST_F(AlpineRepositoryTest, ABadSignatureStopsEverything) {
  Publish("community", community_, "private-evil");
  std::string error;
  EXPECT_FALSE(Update(false, &error));
  EXPECT_NE(error.find("/alpine/v3.20/community/x86_64/APKINDEX.tar.gz: BAD SIGNATURE: the key '" + std::string(kKey)),
            std::string::npos)
      << error;
  // Only main, which verified, was converted.
  EXPECT_EQ(std::distance(fs::directory_iterator(cache_ / "records" / "alpine"), fs::directory_iterator()), 1);
}

TEST_F(AlpineRepositoryTest, AnUnknownKeyIsNamed) {
  fs::create_directories(*root_ / "no-keys");
  std::string error;
  EXPECT_FALSE(Update(false, &error, "no-keys"));
  EXPECT_NE(error.find("signed with key '" + std::string(kKey) + "', which is not in the key directory"),
            std::string::npos)
      << error;
}

TEST_F(AlpineRepositoryTest, AMissingIndexIsAnError) {
  server_.Set("/alpine/v3.20/community/x86_64/APKINDEX.tar.gz", {"", 404});
  std::string error;
  EXPECT_FALSE(Update(false, &error));
  EXPECT_NE(error.find("cannot fetch the Alpine index"), std::string::npos) << error;
  EXPECT_NE(error.find("v3.20/community/x86_64/APKINDEX.tar.gz"), std::string::npos) << error;
}

TEST_F(AlpineRepositoryTest, AMalformedIndexNamesThePackageAndLine) {
  Publish("main", main_ + "C:Q1" + std::string(27, 'A') + "=\nP:broken\nV:1.0-r0\nA:x86_64\nS:1\nD:foo>=\n\n",
          "private");
  std::string error;
  EXPECT_FALSE(Update(false, &error));
  EXPECT_NE(error.find("/alpine/v3.20/main/x86_64/APKINDEX.tar.gz:APKINDEX:35: package 'broken': D (depends)"),
            std::string::npos)
      << error;
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value.empty()) {
      unsetenv(name);
    } else {
      setenv(name, value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_F(AlpineRepositoryTest, CollectionFromTheEnvironment) {
  ScopedEnv mirror("TR_ALPINE_MIRROR", server_.Url("/alpine/"));
  ScopedEnv keys("TR_ALPINE_KEYS", (*root_ / "keys").string());
  AlpineCollectionOptions options;
  options.version = "3.20";
  options.cache_root = cache_.string();
  std::string error;
  auto index = OpenAlpineCollection(options, nullptr, &error);
  ASSERT_TRUE(index) << error;
  EXPECT_EQ(index->size(), 3u);
  // A flag value wins over the environment.
  options.keys_override = (*root_ / "evil-keys").string();
  fs::remove_all(cache_);
  EXPECT_FALSE(OpenAlpineCollection(options, nullptr, &error));
  EXPECT_NE(error.find("BAD SIGNATURE"), std::string::npos) << error;
}

TEST(AlpineCollectionTest, ConfigurationErrorsSayWhatToSet) {
  ScopedEnv mirror("TR_ALPINE_MIRROR", "");
  std::string error;
  EXPECT_FALSE(AlpineMirror("", &error));
  EXPECT_NE(error.find("set TR_ALPINE_MIRROR"), std::string::npos) << error;
  EXPECT_NE(error.find("--alpine-mirror"), std::string::npos) << error;
  EXPECT_EQ(AlpineMirror("http://127.0.0.1:1/alpine//", &error), "http://127.0.0.1:1/alpine");
  AlpineCollectionOptions options;
  options.keys_override = "/nonexistent";
  EXPECT_FALSE(OpenAlpineCollection(options, nullptr, &error));
  EXPECT_NE(error.find("no Alpine mirror is configured"), std::string::npos) << error;
  options.mirror_override = "http://127.0.0.1:1/alpine";
  EXPECT_FALSE(OpenAlpineCollection(options, nullptr, &error));
  EXPECT_NE(error.find("the Alpine key directory /nonexistent does not exist"), std::string::npos) << error;
  ScopedEnv keys("TR_ALPINE_KEYS", "");
  if (!fs::is_directory("/etc/apk/keys")) {
    EXPECT_FALSE(AlpineKeysDir("", &error));
    EXPECT_NE(error.find("set TR_ALPINE_KEYS"), std::string::npos) << error;
  }
}

TEST(AlpineCollectionTest, Architectures) {
  EXPECT_EQ(AlpineArchitecture("amd64"), "x86_64");
  EXPECT_EQ(AlpineArchitecture("x86_64"), "x86_64");
  EXPECT_EQ(AlpineArchitecture("arm64"), "aarch64");
  EXPECT_EQ(AlpineArchitecture("aarch64"), "aarch64");
}

TEST(AlpineCollectionTest, Branches) {
  std::string error;
  EXPECT_EQ(AlpineBranch("3.20", &error), "v3.20");
  EXPECT_EQ(AlpineBranch("v3.19", &error), "v3.19");
  EXPECT_EQ(AlpineBranch("edge", &error), "edge");
  for (const char* bad : {"", "3", "3.20.1", "latest", "v", "3.x", "../3.20"}) {
    EXPECT_FALSE(AlpineBranch(bad, &error)) << bad;
    EXPECT_NE(error.find("is not an Alpine release"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace tinyrange::packages
