// The build cache: one directory per definition hash under
// CACHE/builds/XX/HASH/ holding `out` (the output, a file or a directory)
// and `meta.json` (the definition and how it was built). An entry appears
// only complete: it is assembled in CACHE/builds/tmp/ and renamed into
// place, so an interrupted build leaves at most a temporary directory,
// which the next builder of that hash (or `tr cache gc`) removes.
//
// Locks, two files per hash in CACHE/builds/locks/:
//   HASH.build  held exclusively by the one builder of the entry, so
//               concurrent tr processes build each definition once (the
//               others wait, then find it built);
//   HASH.use    held shared by every process using the entry until it is
//               done with it; garbage collection needs it exclusively, so
//               it never removes an entry in use. Users never block
//               builders: the two locks are separate.
// An entry's directory mtime records its last use.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "builder/download/file_lock.h"

namespace tinyrange::build {

struct CacheEntryInfo {
  std::string hash;
  std::string kind;
  std::string describe;
  uint64_t size = 0;       // bytes of the output (apparent size of files)
  time_t last_used = 0;
  time_t created = 0;
};

struct GcOptions {
  int keep_days = 30;     // entries used within this many days stay
  bool dry_run = false;
};

struct GcResult {
  uint64_t removed_entries = 0;
  uint64_t removed_bytes = 0;
  uint64_t kept_in_use = 0;   // old enough, but held by a running tr
  uint64_t removed_temporaries = 0;
};

class BuildCache {
 public:
  // `cache_root` is the tinyrange cache (download::CacheRoot()).
  explicit BuildCache(std::string cache_root);

  const std::string& root() const { return builds_; }
  std::string EntryDir(const std::string& hash) const;
  std::string OutputPath(const std::string& hash) const { return EntryDir(hash) + "/out"; }
  std::string UseLockPath(const std::string& hash) const;
  std::string BuildLockPath(const std::string& hash) const;

  // Holds `hash`'s use lock and reports whether the entry exists. If it
  // does not, the caller may call Claim() to build it.
  class Hold {
   public:
    bool exists() const { return exists_; }
    // Waits for the build lock and re-checks; true if the entry appeared
    // meanwhile (built by another process), else this holder must build
    // it and Commit() (or drop the Hold, or Release(), to give up).
    bool Claim(const std::function<bool()>& usable);
    // A fresh temporary directory for building this entry; stale ones of
    // the same hash (left by interrupted builds) are removed first.
    std::string MakeTemporaryDir();
    // Writes meta.json into `temp_dir`, renames it into place and lets
    // go of the build lock.
    void Commit(const std::string& temp_dir, const nlohmann::json& meta);
    // Gives up building (the build lock); the entry stays in use.
    void Release() { build_lock_.reset(); }

   private:
    friend class BuildCache;
    BuildCache* cache_ = nullptr;
    std::string hash_;
    std::unique_ptr<download::FileLock> use_lock_;
    std::unique_ptr<download::FileLock> build_lock_;
    bool exists_ = false;
  };
  std::unique_ptr<Hold> Acquire(const std::string& hash);
  // Like Acquire, but null instead of waiting while `tr cache gc` holds
  // the use lock exclusively (it is removing that entry right now).
  std::unique_ptr<Hold> TryAcquire(const std::string& hash);

  // meta.json of an entry, if it exists and is readable.
  std::optional<nlohmann::json> ReadMeta(const std::string& hash) const;
  // Marks the entry as used now.
  void Touch(const std::string& hash) const;

  std::vector<CacheEntryInfo> List() const;
  GcResult CollectGarbage(const GcOptions& options);


 private:
  std::string builds_;  // cache_root/builds
};

// Apparent size of a file or a directory tree in bytes.
uint64_t PathSize(const std::string& path);

}  // namespace tinyrange::build
