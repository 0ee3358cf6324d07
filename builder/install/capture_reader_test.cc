#include "builder/install/capture_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "builder/archive/archive_test_util.h"
#include "builder/archive/archive_writer.h"
#include "builder/install/install_error.h"

namespace tinyrange::install {
namespace {

using archive::testing::ListDir;
using archive::testing::ReadFile;
using archive::testing::ScratchDir;
using archive::testing::WriteFile;

std::string Le32(uint32_t value) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(value >> (8 * i));
  return out;
}

std::string Le64(uint64_t value) {
  return Le32(static_cast<uint32_t>(value)) + Le32(static_cast<uint32_t>(value >> 32));
}

std::string Header(uint32_t status, uint64_t length, uint32_t version = kCaptureVersion) {
  std::string header(kCaptureMagic, sizeof kCaptureMagic);
  header += Le32(version) + Le32(status) + Le64(length);
  header.resize(kCaptureHeaderSize, '\0');
  return header;
}

class CaptureReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    archive::ArchiveWriter writer(dir_ / "capture.tr");
    archive::Entry dir;
    dir.type = archive::EntryType::kDirectory;
    dir.name = "etc";
    dir.mode = 0755;
    writer.Add(dir);
    archive::Entry file;
    file.name = "etc/ld.so.cache";
    file.size = 11;
    writer.AddFile(file, "cache bytes");
    writer.Finish();
    archive_ = ReadFile(dir_ / "capture.tr");
  }

  // A disk image: header, the archive bytes, zeros up to `size` (the disk
  // is bigger than what the guest wrote).
  std::filesystem::path Disk(const std::string& header, const std::string& body, size_t size = 1 << 16) {
    std::string bytes = header + body;
    if (bytes.size() < size) bytes.resize(size, '\0');
    std::filesystem::path path = dir_ / ("disk" + std::to_string(disks_++) + ".img");
    WriteFile(path, bytes);
    return path;
  }

  std::filesystem::path Output() const { return dir_ / "out" / "captured.tr"; }

  void ExpectError(const std::filesystem::path& disk, const std::string& needle) {
    try {
      ReadCapture(disk, Output());
      FAIL() << "accepted; expected " << needle;
    } catch (const InstallError& error) {
      std::string message = error.what();
      EXPECT_NE(message.find(disk.string()), std::string::npos) << message;
      EXPECT_NE(message.find(needle), std::string::npos) << message;
    }
    EXPECT_FALSE(std::filesystem::exists(Output()));
    // No temporary copy is left behind.
    EXPECT_TRUE(ListDir(dir_ / "out").empty());
  }

  ScratchDir dir_;
  std::string archive_;
  int disks_ = 0;
};

TEST_F(CaptureReaderTest, CompleteCaptureIsCopied) {
  std::filesystem::create_directories(dir_ / "out");
  std::filesystem::path disk = Disk(Header(0, archive_.size()), archive_);
  CaptureResult result = ReadCapture(disk, Output());
  EXPECT_EQ(result.status, CaptureStatus::kComplete);
  EXPECT_EQ(result.length, archive_.size());
  EXPECT_EQ(ReadFile(Output()), archive_);
  EXPECT_EQ(ListDir(dir_ / "out"), std::vector<std::string>{"captured.tr"});
}

TEST_F(CaptureReaderTest, NotCacheableAndTooLargeWriteNothing) {
  std::filesystem::create_directories(dir_ / "out");
  CaptureResult result = ReadCapture(Disk(Header(1, 0), ""), Output());
  EXPECT_EQ(result.status, CaptureStatus::kNotCacheable);
  EXPECT_EQ(result.length, 0u);
  result = ReadCapture(Disk(Header(2, 0), ""), Output());
  EXPECT_EQ(result.status, CaptureStatus::kTooLarge);
  EXPECT_FALSE(std::filesystem::exists(Output()));
  ExpectError(Disk(Header(1, 12), ""), "offset 16: status 1 must have length 0, not 12");
}

TEST_F(CaptureReaderTest, BadHeaders) {
  std::filesystem::create_directories(dir_ / "out");
  ExpectError(Disk(std::string(kCaptureHeaderSize, '\0'), ""), "offset 0: no capture header");
  std::string bad_magic = Header(0, archive_.size());
  bad_magic[7] = '2';
  ExpectError(Disk(bad_magic, archive_), "offset 0: bad magic");
  ExpectError(Disk(Header(0, archive_.size(), 2), archive_), "offset 8: unsupported capture version 2");
  ExpectError(Disk(Header(7, 0), ""), "offset 12: unknown capture status 7");
  std::string reserved = Header(0, archive_.size());
  reserved[4000] = 1;
  ExpectError(Disk(reserved, archive_), "offset 4000: the header's reserved bytes are not zero");
  // Length beyond the disk, and a length that would overflow offset + length.
  ExpectError(Disk(Header(0, 1 << 16), archive_), "offset 16: the archive length 65536 goes past the end");
  ExpectError(Disk(Header(0, UINT64_MAX), archive_), "goes past the end");
  ExpectError(Disk(Header(0, UINT64_MAX - kCaptureHeaderSize + 1), archive_), "goes past the end");
  // Smaller than the header.
  std::filesystem::path tiny = dir_ / "tiny.img";
  WriteFile(tiny, Header(0, 0).substr(0, 100));
  ExpectError(tiny, "smaller than the 4096-byte header");
  // Not a regular file.
  ExpectError(dir_ / "out", "not a regular file");
  ExpectError(dir_ / "missing.img", "cannot open");
}

TEST_F(CaptureReaderTest, MalformedArchivesNameTheDiskOffset) {
  std::filesystem::create_directories(dir_ / "out");
  // Truncated: the header claims fewer bytes than the archive has.
  ExpectError(Disk(Header(0, archive_.size() - 8), archive_), "capture disk, offset ");
  ExpectError(Disk(Header(0, archive_.size() - 8), archive_), "truncated");
  // Data after the end entry.
  ExpectError(Disk(Header(0, archive_.size() + 8), archive_ + std::string(8, 'x')), "capture disk, offset");
  // A corrupt entry header: the first entry's magic (archive offset 16)
  // is on the disk at 4096 + 16.
  std::string corrupt = archive_;
  corrupt[16] ^= 0x55;
  ExpectError(Disk(Header(0, corrupt.size()), corrupt), "capture disk, offset 4112 (archive offset 16)");
  // Every single-byte corruption is an error or a valid archive, never a crash.
  for (size_t i = 0; i < archive_.size(); i += 7) {
    std::string flipped = archive_;
    flipped[i] ^= 0xff;
    std::filesystem::path disk = Disk(Header(0, flipped.size()), flipped);
    try {
      ReadCapture(disk, Output());
    } catch (const InstallError&) {
    }
    std::filesystem::remove(disk);
  }
  std::filesystem::remove(Output());
  // An empty archive is not an archive either.
  ExpectError(Disk(Header(0, 0), ""), "capture disk");
}

}  // namespace
}  // namespace tinyrange::install
