#include "builder/build/post_install_state.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "builder/archive/archive_writer.h"
#include "builder/build/build_test_util.h"
#include "guest-init/capture_format.h"

namespace tinyrange::build {
namespace {

using testing::ReadFile;
using testing::TempDir;

// A capture disk as guest-init writes it: header, then a tinyrange archive.
std::string CaptureDisk(const TempDir& dir, const std::string& archive) {
  std::string disk(8192 + archive.size(), '\0');
  std::memcpy(disk.data(), kCaptureMagic, 8);
  uint32_t version = kCaptureVersion, status = 0;
  uint64_t length = archive.size();
  std::memcpy(disk.data() + 8, &version, 4);
  std::memcpy(disk.data() + 12, &status, 4);
  std::memcpy(disk.data() + 16, &length, 8);
  disk.replace(kCaptureHeaderSize, archive.size(), archive);
  std::string path = dir.path() + "/capture.img";
  std::ofstream(path, std::ios::binary) << disk;
  return path;
}

TEST(PostInstallStateTest, StoredOnceFoundByItsKey) {
  TempDir dir;
  {
    archive::ArchiveWriter writer(dir.path() + "/state.trfrag");
    archive::Entry entry;
    entry.name = "etc/passwd";
    entry.size = 5;
    writer.AddFile(entry, "root\n");
    writer.Finish();
  }
  std::string disk = CaptureDisk(dir, ReadFile(dir.path() + "/state.trfrag"));
  BuildCache cache(dir.path() + "/cache");
  std::vector<std::string> archives = {std::string(64, 'a'), std::string(64, 'b') + "/database.trfrag"};
  std::string key = PostInstallStateKey(archives);
  EXPECT_NE(key, PostInstallStateKey({archives[1], archives[0]}));  // order matters
  std::unique_ptr<BuildCache::Hold> hold;
  EXPECT_FALSE(FindPostInstallState(cache, key, &hold));

  EXPECT_EQ(StorePostInstallState(cache, key, disk, archives), CaptureOutcome::kStored);
  auto found = FindPostInstallState(cache, key, &hold);
  ASSERT_TRUE(found);
  EXPECT_EQ(ReadFile(*found), ReadFile(dir.path() + "/state.trfrag"));
  EXPECT_EQ(StorePostInstallState(cache, key, disk, archives), CaptureOutcome::kAlreadyCached);
  EXPECT_EQ((*cache.ReadMeta(key))["definition"]["kind"], "post_install_state");
}

TEST(PostInstallStateTest, NothingWrittenAndMalformedCaptures) {
  TempDir dir;
  BuildCache cache(dir.path() + "/cache");
  std::string zeros = dir.path() + "/zeros.img";
  std::ofstream(zeros, std::ios::binary) << std::string(8192, '\0');
  std::string key = PostInstallStateKey({std::string(64, 'c')});
  EXPECT_EQ(StorePostInstallState(cache, key, zeros, {}), CaptureOutcome::kNotWritten);
  // An archive that is not one: rejected, nothing cached.
  std::string bad = CaptureDisk(dir, std::string("TRFRAG01") + std::string(100, 'x'));
  EXPECT_THROW(StorePostInstallState(cache, key, bad, {}), BuildError);
  std::unique_ptr<BuildCache::Hold> hold;
  EXPECT_FALSE(FindPostInstallState(cache, key, &hold));
}


TEST(PostInstallStateTest, ArchivesAreNamedByCacheEntryOrByContent) {
  TempDir dir;
  BuildCache cache(dir.path() + "/cache");
  std::string hash(64, 'c');
  std::string entry = cache.OutputPath(hash);
  EXPECT_EQ(ArchiveIdentity(cache, entry), hash);
  EXPECT_EQ(ArchiveIdentity(cache, entry + "/steps.trfrag"), hash + "/steps.trfrag");

  // Anything else is named by its bytes: a generated archive, or a file in
  // the cache directory that is not an entry's output.
  std::string generated = dir.path() + "/file-1.trfrag";
  std::ofstream(generated) << "abc";
  const std::string kAbc = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(ArchiveIdentity(cache, generated), kAbc);
  std::string misplaced = cache.root() + "/dd/" + hash + "/out";  // wrong fan-out directory
  std::filesystem::create_directories(cache.root() + "/dd/" + hash);
  std::ofstream(misplaced) << "abc";
  EXPECT_EQ(ArchiveIdentity(cache, misplaced), kAbc);
  EXPECT_THROW(ArchiveIdentity(cache, dir.path() + "/missing.trfrag"), BuildError);
}

}  // namespace
}  // namespace tinyrange::build
