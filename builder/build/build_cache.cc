#include "builder/build/build_cache.h"

#include <sys/file.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <system_error>

#include "builder/download/cache_file.h"
#include "builder/download/cache_paths.h"

namespace tinyrange::build {
namespace fs = std::filesystem;

namespace {

std::string RandomSuffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

void CreateDirectories(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create cache directory " + dir + ": " + ec.message());
}

time_t MtimeOf(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_mtime;
}

}  // namespace

uint64_t PathSize(const std::string& path) {
  std::error_code ec;
  fs::file_status status = fs::symlink_status(path, ec);
  if (ec) return 0;
  if (fs::is_regular_file(status)) return fs::file_size(path, ec);
  if (!fs::is_directory(status)) return 0;
  uint64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  }
  return total;
}

BuildCache::BuildCache(std::string cache_root) : builds_(std::move(cache_root) + "/builds") {}

std::string BuildCache::EntryDir(const std::string& hash) const {
  return builds_ + "/" + hash.substr(0, 2) + "/" + hash;
}

std::string BuildCache::UseLockPath(const std::string& hash) const { return builds_ + "/locks/" + hash + ".use"; }

std::string BuildCache::BuildLockPath(const std::string& hash) const {
  return builds_ + "/locks/" + hash + ".build";
}

std::unique_ptr<BuildCache::Hold> BuildCache::Acquire(const std::string& hash) {
  CreateDirectories(builds_ + "/locks");
  auto hold = std::unique_ptr<Hold>(new Hold());
  hold->cache_ = this;
  hold->hash_ = hash;
  hold->use_lock_ = std::make_unique<download::FileLock>(UseLockPath(hash), download::LockMode::kShared);
  hold->exists_ = fs::exists(EntryDir(hash) + "/meta.json");
  if (hold->exists_) Touch(hash);
  return hold;
}

std::unique_ptr<BuildCache::Hold> BuildCache::TryAcquire(const std::string& hash) {
  CreateDirectories(builds_ + "/locks");
  auto hold = std::unique_ptr<Hold>(new Hold());
  hold->cache_ = this;
  hold->hash_ = hash;
  hold->use_lock_ = download::FileLock::TryLock(UseLockPath(hash), download::LockMode::kShared);
  if (!hold->use_lock_) return nullptr;
  hold->exists_ = fs::exists(EntryDir(hash) + "/meta.json");
  if (hold->exists_) Touch(hash);
  return hold;
}

bool BuildCache::Hold::Claim(const std::function<bool()>& usable) {
  build_lock_ = std::make_unique<download::FileLock>(cache_->BuildLockPath(hash_), download::LockMode::kExclusive);
  exists_ = fs::exists(cache_->EntryDir(hash_) + "/meta.json") && usable();
  if (exists_) {
    build_lock_.reset();
    cache_->Touch(hash_);
  }
  return exists_;
}

std::string BuildCache::Hold::MakeTemporaryDir() {
  std::string tmp_root = cache_->builds_ + "/tmp";
  CreateDirectories(tmp_root);
  // We hold this hash's build lock, so any temporary of the same hash is
  // left over from a builder that died.
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(tmp_root, ec)) {
    std::string name = item.path().filename().string();
    if (name.compare(0, hash_.size() + 1, hash_ + ".") == 0) fs::remove_all(item.path(), ec);
  }
  std::string dir = tmp_root + "/" + hash_ + "." + std::to_string(getpid()) + "." + RandomSuffix();
  CreateDirectories(dir);
  return dir;
}

void BuildCache::Hold::Commit(const std::string& temp_dir, const nlohmann::json& meta) {
  std::string error;
  if (!download::WriteFileAtomically(temp_dir + "/meta.json", meta.dump(1) + "\n", &error)) {
    throw std::runtime_error(error);
  }
  std::string final_dir = cache_->EntryDir(hash_);
  CreateDirectories(fs::path(final_dir).parent_path().string());
  if (rename(temp_dir.c_str(), final_dir.c_str()) != 0) {
    int e = errno;
    // An entry without meta.json is a leftover of an older layout or of a
    // hand edit; it is never read, so replace it.
    if (e == ENOTEMPTY || e == EEXIST) {
      std::error_code ec;
      fs::remove_all(final_dir, ec);
      if (rename(temp_dir.c_str(), final_dir.c_str()) == 0) {
        build_lock_.reset();
        exists_ = true;
        return;
      }
      e = errno;
    }
    throw std::runtime_error("cannot move build output into the cache at " + final_dir + ": " + std::strerror(e));
  }
  build_lock_.reset();
  exists_ = true;
}

std::optional<nlohmann::json> BuildCache::ReadMeta(const std::string& hash) const {
  std::string text;
  if (!download::ReadWholeFile(EntryDir(hash) + "/meta.json", &text)) return std::nullopt;
  nlohmann::json meta = nlohmann::json::parse(text, nullptr, false);
  if (meta.is_discarded() || !meta.is_object()) return std::nullopt;
  return meta;
}

void BuildCache::Touch(const std::string& hash) const {
  // utimensat(NULL) sets both times to now; failure only loses gc precision.
  utimensat(AT_FDCWD, EntryDir(hash).c_str(), nullptr, 0);
}

std::vector<CacheEntryInfo> BuildCache::List() const {
  std::vector<CacheEntryInfo> entries;
  std::error_code ec;
  for (const auto& prefix : fs::directory_iterator(builds_, ec)) {
    std::string prefix_name = prefix.path().filename().string();
    if (prefix_name.size() != 2 || !prefix.is_directory()) continue;
    std::error_code ec2;
    for (const auto& entry : fs::directory_iterator(prefix.path(), ec2)) {
      std::string hash = entry.path().filename().string();
      if (!download::IsSha256Hex(hash)) continue;
      CacheEntryInfo info;
      info.hash = hash;
      if (auto meta = ReadMeta(hash)) {
        info.kind = meta->value("/definition/kind"_json_pointer, "");
        info.describe = meta->value("describe", "");
        info.created = meta->value("created", 0);
        info.size = meta->value("size", 0);
      } else {
        continue;  // not a complete entry
      }
      info.last_used = MtimeOf(entry.path().string());
      entries.push_back(std::move(info));
    }
  }
  return entries;
}

namespace {

// Whether another process holds a flock on `path` (a file it is writing).
bool InUse(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool locked = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return locked;
}

}  // namespace

GcResult BuildCache::CollectGarbage(const GcOptions& options) {
  GcResult result;
  time_t now = time(nullptr);
  time_t cutoff = now - static_cast<time_t>(options.keep_days) * 86400;
  std::string trash_root = builds_ + "/tmp";
  for (const CacheEntryInfo& info : List()) {
    if (info.last_used > cutoff) continue;
    auto lock = download::FileLock::TryLock(UseLockPath(info.hash), download::LockMode::kExclusive);
    if (!lock) {
      ++result.kept_in_use;
      continue;
    }
    // Being rebuilt (a collected dynamic input made it stale): leave it.
    auto build_lock = download::FileLock::TryLock(BuildLockPath(info.hash), download::LockMode::kExclusive);
    if (!build_lock) continue;
    // Re-read under the lock: it may have been used since List().
    if (MtimeOf(EntryDir(info.hash)) > cutoff) continue;
    result.removed_entries++;
    result.removed_bytes += PathSize(EntryDir(info.hash));
    if (options.dry_run) continue;
    // Renamed away first so nobody ever sees a half-deleted entry.
    CreateDirectories(trash_root);
    std::string trash = trash_root + "/gc." + info.hash + "." + RandomSuffix();
    std::error_code ec;
    if (rename(EntryDir(info.hash).c_str(), trash.c_str()) == 0) fs::remove_all(trash, ec);
    unlink(UseLockPath(info.hash).c_str());
    unlink(BuildLockPath(info.hash).c_str());
  }
  // Temporaries: builds in progress hold their hash's build lock; anything
  // else is left over from an interrupted build or an interrupted gc.
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(trash_root, ec)) {
    std::string name = item.path().filename().string();
    std::string hash = name.substr(0, name.find('.'));
    if (name.compare(0, 3, "gc.") == 0) hash = name.substr(3, 64);
    std::unique_ptr<download::FileLock> lock;
    if (download::IsSha256Hex(hash)) {
      lock = download::FileLock::TryLock(BuildLockPath(hash), download::LockMode::kExclusive);
      if (!lock) continue;
    } else if ((name.compare(0, 8, "capture-") == 0 || name.compare(0, 8, "storage-") == 0 ||
                name.compare(0, 4, "run-") == 0) &&
               InUse(item.path().string())) {
      continue;  // a run's capture or storage disk or archives (sandbox/prepare_run.h), in use by its VM
    }
    ++result.removed_temporaries;
    if (!options.dry_run) {
      std::error_code ec2;
      fs::remove_all(item.path(), ec2);
    }
  }
  return result;
}

}  // namespace tinyrange::build
