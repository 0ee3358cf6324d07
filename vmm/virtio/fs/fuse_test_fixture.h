// A temporary host tree for FUSE server tests: `share/` is what the
// server serves, `outside/` is the rest of the host it must never reach.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "vmm/virtio/fs/fuse_server.h"
#include "vmm/virtio/fs/fuse_test_client.h"

namespace tinyrange::virtio::fs::testing {

class FuseShareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/fuse_share_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    share_ = root_ + "/share";
    outside_ = root_ + "/outside";
    ASSERT_EQ(mkdir(share_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir(outside_.c_str(), 0755), 0);
    PutFile(outside_ + "/secret", "secret");
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  void Serve(bool read_only = false) {
    FuseServer::Options options;
    options.read_only = read_only;
    server_ = FuseServer::Open(share_, options);
    client_.emplace(server_.get());
    ASSERT_EQ(client_->Init().error, 0);
  }

  static void PutFile(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }
  static std::string GetFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static struct stat Stat(const std::string& path) {
    struct stat st = {};
    lstat(path.c_str(), &st);
    return st;
  }
  static bool Exists(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
  }

  FuseTestClient& client() { return *client_; }

  std::string root_, share_, outside_;
  std::unique_ptr<FuseServer> server_;
  std::optional<FuseTestClient> client_;
};

}  // namespace tinyrange::virtio::fs::testing
