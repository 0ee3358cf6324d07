#include "builder/build/build_cache.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "builder/build/build_test_util.h"
#include "builder/build/target_memo.h"

namespace tinyrange::build {
namespace {

using testing::Probe;
using testing::ProbeOptions;
using testing::TempDir;

void MakeOld(const std::string& path, int days) {
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = time(nullptr) - days * 86400L;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

std::string BuildProbe(const TempDir& dir, const std::string& text) {
  EngineOptions options;
  options.cache_root = dir.path();
  BuildEngine engine(options);
  ProbeOptions o;
  o.text = text;
  engine.Build(Probe(o));
  return Probe(o)->Hash();
}

TEST(BuildCacheTest, ListsEntriesWithKindSizeAndDescription) {
  TempDir dir;
  std::string hash = BuildProbe(dir, "twelve bytes");
  BuildCache cache(dir.path());
  auto entries = cache.List();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].hash, hash);
  EXPECT_EQ(entries[0].kind, "test_probe");
  EXPECT_EQ(entries[0].size, 12u);
  EXPECT_GE(entries[0].last_used, time(nullptr) - 60);
  auto meta = cache.ReadMeta(hash);
  ASSERT_TRUE(meta);
  EXPECT_EQ((*meta)["definition"]["params"]["text"], "twelve bytes");
}

TEST(BuildCacheTest, GcRemovesOldEntriesButNeverOnesInUseOrRecent) {
  TempDir dir;
  std::string old_hash = BuildProbe(dir, "old");
  std::string in_use_hash = BuildProbe(dir, "old but in use");
  std::string recent_hash = BuildProbe(dir, "recent");
  BuildCache cache(dir.path());
  MakeOld(cache.EntryDir(old_hash), 40);
  MakeOld(cache.EntryDir(in_use_hash), 40);

  // Another "process" (a separate open file description) uses one entry.
  BuildCache other(dir.path());
  auto hold = other.Acquire(in_use_hash);
  ASSERT_TRUE(hold->exists());
  MakeOld(cache.EntryDir(in_use_hash), 40);  // Acquire touched it

  GcOptions dry;
  dry.dry_run = true;
  GcResult would = cache.CollectGarbage(dry);
  EXPECT_EQ(would.removed_entries, 1u);
  EXPECT_TRUE(std::filesystem::exists(cache.EntryDir(old_hash)));

  GcResult result = cache.CollectGarbage(GcOptions{});
  EXPECT_EQ(result.removed_entries, 1u);
  EXPECT_EQ(result.kept_in_use, 1u);
  EXPECT_FALSE(std::filesystem::exists(cache.EntryDir(old_hash)));
  EXPECT_TRUE(std::filesystem::exists(cache.EntryDir(in_use_hash)));
  EXPECT_TRUE(std::filesystem::exists(cache.EntryDir(recent_hash)));

  hold.reset();
  result = cache.CollectGarbage(GcOptions{});
  EXPECT_EQ(result.removed_entries, 1u);
  EXPECT_FALSE(std::filesystem::exists(cache.EntryDir(in_use_hash)));
}

TEST(BuildCacheTest, GcRemovesTemporariesOfDeadBuildersOnly) {
  TempDir dir;
  BuildCache cache(dir.path());
  std::string hash(64, 'a');
  std::filesystem::create_directories(cache.root() + "/tmp/" + hash + ".1.dead/out");
  std::string live(64, 'b');
  auto hold = cache.Acquire(live);
  ASSERT_FALSE(hold->Claim([] { return false; }));
  std::string live_temp = hold->MakeTemporaryDir();
  GcResult result = cache.CollectGarbage(GcOptions{});
  EXPECT_EQ(result.removed_temporaries, 1u);
  EXPECT_FALSE(std::filesystem::exists(cache.root() + "/tmp/" + hash + ".1.dead"));
  EXPECT_TRUE(std::filesystem::exists(live_temp));
}

TEST(BuildCacheTest, GcLeavesALockedCaptureOrStorageDiskAlone) {
  // tr run's capture and storage disks live among the temporaries, flocked
  // while the VM uses them (sandbox/prepare_run.cc); stale ones are
  // collected.
  for (const char* kind : {"capture", "storage"}) {
    TempDir dir;
    BuildCache cache(dir.path());
    std::filesystem::create_directories(cache.root() + "/tmp");
    std::string live = cache.root() + "/tmp/" + kind + "-live01", stale = cache.root() + "/tmp/" + kind + "-stale1";
    std::ofstream(live) << "x";
    std::ofstream(stale) << "x";
    int fd = open(live.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(flock(fd, LOCK_EX), 0);
    GcResult result = cache.CollectGarbage(GcOptions{});
    EXPECT_EQ(result.removed_temporaries, 1u) << kind;
    EXPECT_TRUE(std::filesystem::exists(live)) << kind;
    EXPECT_FALSE(std::filesystem::exists(stale)) << kind;
    close(fd);
  }
}

TEST(TargetMemoTest, RemembersTheLastBuildOfATargetEvenAfterAnEdit) {
  TempDir dir;
  std::string script = dir.path() + "/build.star";
  std::ofstream(script) << "x = 1\n";
  std::string label = TargetLabel(script, "rootfs");
  EXPECT_FALSE(LastBuiltHash(dir.path(), label));
  std::string hash(64, 'c');
  WriteTargetMemo(dir.path(), label, {"test", hash, {script}});
  EXPECT_EQ(LastBuiltHash(dir.path(), label), hash);
  // No entry for the hash: the memo never short-cuts to a missing output.
  EXPECT_FALSE(CheckTargetMemo(dir.path(), label, "test"));
  // Entry present: it does, until the script changes.
  std::filesystem::create_directories(dir.path() + "/builds/cc/" + hash);
  std::ofstream(dir.path() + "/builds/cc/" + hash + "/meta.json") << "{}";
  EXPECT_EQ(CheckTargetMemo(dir.path(), label, "test"), dir.path() + "/builds/cc/" + hash + "/out");
  EXPECT_FALSE(CheckTargetMemo(dir.path(), label, "another tr"));
  std::ofstream(script, std::ios::app) << "y = 2\n";
  EXPECT_FALSE(CheckTargetMemo(dir.path(), label, "test"));
  EXPECT_EQ(LastBuiltHash(dir.path(), label), hash);
}

}  // namespace
}  // namespace tinyrange::build
