#include "vmm/virtio/file_backend.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

class FileBackendDirectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/direct_disk_" + std::to_string(getpid());
    std::ofstream(path_, std::ios::binary) << std::string(64 * 1024, 'x');
    try {
      backend_ = FileBackend::Open(path_, false, true);
    } catch (const VmmError& e) {
      GTEST_SKIP() << "SKIPPED LOUDLY: " << e.what();
    }
  }
  void TearDown() override { unlink(path_.c_str()); }

  std::string path_;
  std::unique_ptr<FileBackend> backend_;
};

TEST_F(FileBackendDirectTest, AlignedAndUnalignedTransfersBothWork) {
  // Aligned: goes through O_DIRECT.
  void* aligned = nullptr;
  ASSERT_EQ(posix_memalign(&aligned, 4096, 8192), 0);
  std::memset(aligned, 'a', 8192);
  iovec v{aligned, 8192};
  ASSERT_TRUE(backend_->Write(4096, {&v, 1}));
  // Unaligned buffer, offset and length: goes through the cached path.
  std::vector<char> odd(1000, 'b');
  iovec u{odd.data() + 1, 999};
  ASSERT_TRUE(backend_->Write(12289, {&u, 1}));
  ASSERT_TRUE(backend_->Flush());
  // Both are visible through either path.
  std::memset(aligned, 0, 8192);
  ASSERT_TRUE(backend_->Read(8192, {&v, 1}));
  EXPECT_EQ(static_cast<char*>(aligned)[0], 'a');
  EXPECT_EQ(static_cast<char*>(aligned)[4096 + 1], 'b');
  std::vector<char> back(999);
  iovec r{back.data(), back.size()};
  ASSERT_TRUE(backend_->Read(12289, {&r, 1}));
  EXPECT_EQ(back[0], 'b');
  std::free(aligned);
}

TEST(FileBackendDirectOpenTest, AFilesystemWithoutDirectIoIsNamed) {
  // tmpfs has no O_DIRECT.
  std::string path = "/dev/shm/tr_direct_" + std::to_string(getpid());
  std::ofstream(path, std::ios::binary) << std::string(4096, 'x');
  try {
    FileBackend::Open(path, true, true);
    unlink(path.c_str());
    GTEST_SKIP() << "SKIPPED LOUDLY: this kernel's tmpfs accepts O_DIRECT";
  } catch (const VmmError& e) {
    unlink(path.c_str());
    EXPECT_NE(std::string(e.what()).find("does not support direct I/O"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tinyrange::virtio
