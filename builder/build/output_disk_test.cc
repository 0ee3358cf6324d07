#include "builder/build/output_disk.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "builder/build/build_test_util.h"
#include "builder/build/definition.h"
#include "guest-init/output_format.h"

namespace tinyrange::build {
namespace {

using testing::ReadFile;
using testing::TempDir;

// An output disk as guest-init writes it (guest-init/output_format.h).
std::string Disk(uint32_t status, uint64_t length, const std::string& data, size_t size = 16384) {
  std::string disk(size, '\0');
  std::memcpy(disk.data(), kOutputMagic, 8);
  uint32_t version = 1;
  std::memcpy(disk.data() + 8, &version, 4);
  std::memcpy(disk.data() + 12, &status, 4);
  std::memcpy(disk.data() + 16, &length, 8);
  disk.replace(4096, data.size(), data);
  return disk;
}

std::string ErrorOf(const TempDir& dir, const std::string& disk) {
  std::ofstream(dir.path() + "/disk", std::ios::binary) << disk;
  try {
    CopyOutputDisk(dir.path() + "/disk", dir.path() + "/out", "/out.tar", "build_vm /out.tar");
  } catch (const BuildError& e) {
    return e.what();
  }
  return "";
}

TEST(OutputDiskTest, CopiesTheFile) {
  TempDir dir;
  EXPECT_EQ(ErrorOf(dir, Disk(0, 5, "hello")), "");
  EXPECT_EQ(ReadFile(dir.path() + "/out"), "hello");
}

TEST(OutputDiskTest, EveryBadDiskIsNamed) {
  TempDir dir;
  EXPECT_NE(ErrorOf(dir, std::string(16384, '\0')).find("the VM wrote no output"), std::string::npos);
  EXPECT_NE(ErrorOf(dir, Disk(1, 0, "")).find("did not create /out.tar"), std::string::npos);
  EXPECT_NE(ErrorOf(dir, Disk(2, 0, "")).find("larger storage_size"), std::string::npos);
  EXPECT_NE(ErrorOf(dir, Disk(0, 16384, "")).find("malformed"), std::string::npos);  // beyond the disk
  EXPECT_NE(ErrorOf(dir, Disk(0, ~uint64_t{0}, "")).find("malformed"), std::string::npos);
  EXPECT_NE(ErrorOf(dir, Disk(7, 0, "")).find("malformed"), std::string::npos);
  EXPECT_NE(ErrorOf(dir, "short").find("too short"), std::string::npos);
}

}  // namespace
}  // namespace tinyrange::build
