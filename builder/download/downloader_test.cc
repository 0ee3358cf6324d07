#include "builder/download/downloader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "builder/download/sha256.h"
#include "builder/download/test_http_server.h"

namespace tinyrange::download {
namespace {

namespace fs = std::filesystem;
using testing::Route;
using testing::TestHttpServer;

std::string Body(size_t size, char seed) {
  std::string s(size, 0);
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>(seed + i * 7 + i / 251);
  return s;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DownloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("downloads_" + std::to_string(getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  DownloadRequest Request(const std::string& path, const std::string& body) {
    DownloadRequest r;
    r.url = server_.Url(path);
    r.destination = (dir_ / path.substr(1)).string();
    r.size = body.size();
    r.sha256 = Sha256Hex(body);
    return r;
  }
  DownloadOptions Fast() {
    DownloadOptions o;
    o.initial_backoff = std::chrono::milliseconds(5);
    return o;
  }
  // Only final files, no .part or temporaries, may be left.
  std::vector<std::string> Leftovers() {
    std::vector<std::string> out;
    if (!fs::exists(dir_)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      std::string name = e.path().filename().string();
      if (name.ends_with(".part")) out.push_back(name);
    }
    return out;
  }

  TestHttpServer server_;
  fs::path dir_;
};

TEST_F(DownloaderTest, FetchesInParallelAndVerifies) {
  std::vector<DownloadRequest> requests;
  std::vector<std::string> bodies;
  for (int i = 0; i < 6; ++i) {
    bodies.push_back(Body(100000 + i * 1000, static_cast<char>(i)));
    server_.Set("/f" + std::to_string(i), {bodies.back()});
    requests.push_back(Request("/f" + std::to_string(i), bodies.back()));
  }
  auto results = Downloader(Fast()).Fetch(requests);
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(results[i].ok) << results[i].error;
    EXPECT_FALSE(results[i].from_cache);
    EXPECT_TRUE(ReadFile(requests[i].destination) == bodies[i]);
  }
  EXPECT_TRUE(Leftovers().empty());
  // Second time: straight from the cache, no request reaches the server.
  auto again = Downloader(Fast()).Fetch(requests);
  EXPECT_TRUE(again[0].ok && again[0].from_cache);
  EXPECT_EQ(server_.RequestsFor("/f0"), 1);
}

TEST_F(DownloaderTest, ReusesConnections) {
  std::vector<DownloadRequest> requests;
  for (int i = 0; i < 8; ++i) {
    std::string body = Body(1000, static_cast<char>(i));
    server_.Set("/small" + std::to_string(i), {body});
    requests.push_back(Request("/small" + std::to_string(i), body));
  }
  DownloadOptions o = Fast();
  o.max_parallel = 1;
  auto results = Downloader(o).Fetch(requests);
  for (const auto& r : results) EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server_.connections(), 1);
}

TEST_F(DownloaderTest, ShaMismatchKeepsNothingAndNamesTheFile) {
  std::string body = Body(5000, 1);
  server_.Set("/pkg.deb", {body});
  DownloadRequest r = Request("/pkg.deb", body);
  r.sha256 = Sha256Hex("something else");
  r.label = "pool/main/p/pkg.deb";
  auto result = Downloader(Fast()).Fetch({r})[0];
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("pool/main/p/pkg.deb: SHA-256 mismatch"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("nothing was kept"), std::string::npos) << result.error;
  EXPECT_FALSE(fs::exists(r.destination));
  EXPECT_TRUE(Leftovers().empty());
}

TEST_F(DownloaderTest, TransientErrorsAreRetried) {
  std::string body = Body(3000, 2);
  server_.Set("/flaky", {body, 200, 2});  // 503 twice, then fine
  auto result = Downloader(Fast()).Fetch({Request("/flaky", body)})[0];
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(server_.RequestsFor("/flaky"), 3);
}

TEST_F(DownloaderTest, GivesUpAfterTheRetriesSayingHowOften) {
  server_.Set("/down", {"x", 200, 100});
  DownloadOptions o = Fast();
  o.retries = 2;
  auto result = Downloader(o).Fetch({Request("/down", "x")})[0];
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("HTTP 503"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("after 3 attempts"), std::string::npos) << result.error;
}

TEST_F(DownloaderTest, CutTransfersResumeWithARange) {
  std::string body = Body(200000, 3);
  server_.Set("/big", {body, 200, 0, 1});  // the first response stops half-way
  auto result = Downloader(Fast()).Fetch({Request("/big", body)})[0];
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(ReadFile((dir_ / "big").string()) == body);
  auto ranges = server_.RangeHeadersFor("/big");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0], "Range: bytes=100000-");
}

TEST_F(DownloaderTest, AServerIgnoringRangesIsHandled) {
  std::string body = Body(200000, 4);
  Route route{body, 200, 0, 1};
  route.ignore_range = true;
  server_.Set("/norange", route);
  auto result = Downloader(Fast()).Fetch({Request("/norange", body)})[0];
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(ReadFile((dir_ / "norange").string()) == body);
}

TEST_F(DownloaderTest, NotFoundIsAnErrorWithoutRetries) {
  auto result = Downloader(Fast()).Fetch({Request("/missing", "abc")})[0];
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("HTTP 404"), std::string::npos) << result.error;
  EXPECT_EQ(server_.RequestsFor("/missing"), 1);
}

TEST_F(DownloaderTest, MoreBytesThanPromisedIsAnError) {
  server_.Set("/long", {Body(5000, 5)});
  DownloadRequest r = Request("/long", Body(5000, 5));
  r.size = 1000;
  auto result = Downloader(Fast()).Fetch({r})[0];
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("more than the expected 1000 bytes"), std::string::npos) << result.error;
  EXPECT_FALSE(fs::exists(r.destination));
}

TEST_F(DownloaderTest, AnUnknownSizeIsStillBounded) {
  server_.Set("/endless", {Body(50000, 9)});
  DownloadRequest r;
  r.url = server_.Url("/endless");
  r.destination = (dir_ / "endless").string();
  r.max_size = 10000;
  auto result = Downloader(Fast()).Fetch({r})[0];
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("more than 10000 bytes"), std::string::npos) << result.error;
  EXPECT_FALSE(fs::exists(r.destination));
  EXPECT_TRUE(Leftovers().empty());
}

TEST_F(DownloaderTest, OfflineUsesOnlyTheCache) {
  std::string body = Body(100, 6);
  server_.Set("/cached", {body});
  ASSERT_TRUE(Downloader(Fast()).Fetch({Request("/cached", body)})[0].ok);
  DownloadOptions o = Fast();
  o.offline = true;
  DownloadRequest refreshed = Request("/cached", body);
  refreshed.refresh = true;
  auto results = Downloader(o).Fetch({refreshed, Request("/absent", "zz")});
  EXPECT_TRUE(results[0].ok && results[0].from_cache);
  EXPECT_FALSE(results[1].ok);
  EXPECT_NE(results[1].error.find("--offline"), std::string::npos) << results[1].error;
  EXPECT_EQ(server_.RequestsFor("/cached"), 1);
  EXPECT_EQ(server_.RequestsFor("/absent"), 0);
}

TEST_F(DownloaderTest, RefreshFetchesAgain) {
  server_.Set("/InRelease", {"one"});
  DownloadRequest r;
  r.url = server_.Url("/InRelease");
  r.destination = (dir_ / "InRelease").string();
  r.refresh = true;
  ASSERT_TRUE(Downloader(Fast()).Fetch({r})[0].ok);
  server_.Set("/InRelease", {"two"});
  ASSERT_TRUE(Downloader(Fast()).Fetch({r})[0].ok);
  EXPECT_EQ(ReadFile(r.destination), "two");
}

TEST_F(DownloaderTest, ConcurrentFetchersOfOneFileDownloadItOnce) {
  std::string body = Body(300000, 7);
  server_.Set("/shared", {body});
  std::vector<DownloadResult> a, b;
  std::thread first([&] { a = Downloader(Fast()).Fetch({Request("/shared", body)}); });
  std::thread second([&] { b = Downloader(Fast()).Fetch({Request("/shared", body)}); });
  first.join();
  second.join();
  EXPECT_TRUE(a[0].ok) << a[0].error;
  EXPECT_TRUE(b[0].ok) << b[0].error;
  EXPECT_EQ(server_.RequestsFor("/shared"), 1);
  EXPECT_TRUE(a[0].from_cache != b[0].from_cache);
}

}  // namespace
}  // namespace tinyrange::download
