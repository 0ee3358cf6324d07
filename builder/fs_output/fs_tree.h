// The layered filesystem tree that every filesystem output (rootfs tarball,
// initramfs, ext4 image) is written from.
//
// A build's root filesystem is an ordered list of our archives
// (builder/archive/archive_format.h) plus a few entries the build adds
// itself. FsTree applies them in order, later over earlier:
//   - a file (or symlink, device, fifo) replaces whatever was at its path;
//   - a directory over an existing directory only updates its metadata and
//     keeps the children;
//   - a directory replacing a non-directory, or a non-directory replacing a
//     directory, removes the old subtree first;
//   - a hard link shares its target's inode (its own metadata in the
//     archive is ignored, as when tar extracts one), so the names stay one
//     file while both survive; replacing one of them gives that name a new
//     inode and leaves the others linked together.
// A missing parent directory is created (0755, root-owned, mtime 0), as tar
// and dpkg do; a parent that exists and is not a directory is an error
// naming both entries, because following it (if it is a symlink) or
// replacing it would silently change what an earlier layer installed.
//
// With FsTreeOptions::keep_directory_symlinks (off by default), symlinks
// to directories are followed the way dpkg does (and GNU tar with
// --keep-directory-symlink): an entry's parent path is resolved through
// symlinks inside the tree (".." stops at the root, so nothing escapes it),
// and a directory entry landing on a symlink that resolves to a directory
// keeps the symlink (the entry's metadata is dropped). This is what a
// merged-/usr Debian root needs: "bin" -> "usr/bin" from an early layer,
// then packages that still ship "bin/sh" install into usr/bin.
//
// File data is never loaded: an archive file's data is remembered as (the
// archive, byte offset, size) and streamed from the archive again when an
// output is written, so memory stays bounded by the number of entries, not
// their size. Entries the build adds hold their bytes, or name a host file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinyrange::fs_output {

class FsOutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class NodeType : uint8_t {
  kFile,
  kDirectory,
  kSymlink,
  kCharDevice,
  kBlockDevice,
  kFifo,
};

const char* NodeTypeName(NodeType type);

// The metadata an entry carries besides its type-specific fields. A
// constructor, because GCC 12 -Wextra flags designated initializers that
// leave fields out.
struct Metadata {
  Metadata(uint32_t mode_bits = 0644, uint32_t uid_value = 0, uint32_t gid_value = 0,
           int64_t mtime_value = 0)
      : mode(mode_bits), uid(uid_value), gid(gid_value), mtime(mtime_value) {}

  uint32_t mode;  // permission bits only (07777)
  uint32_t uid;
  uint32_t gid;
  int64_t mtime;  // seconds since the epoch
  std::vector<std::pair<std::string, std::string>> xattrs;  // sorted by key, unique
};

// Where a regular file's bytes are.
struct FileData {
  enum class Kind : uint8_t { kBytes, kArchive, kHostFile };
  Kind kind = Kind::kBytes;
  std::string bytes;                // kBytes
  size_t archive = 0;               // kArchive: index into FsTree::archives()
  uint64_t offset = 0;              // kArchive: where the data starts in the archive
  std::filesystem::path host_path;  // kHostFile
};

// One file-system object; hard-linked names share one Inode.
struct Inode {
  NodeType type = NodeType::kFile;
  Metadata meta;
  uint64_t size = 0;  // regular files
  FileData data;      // regular files
  std::string symlink_target;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  // Where the inode came from, for error messages: "archive X entry Y" or
  // "added entry Y".
  std::string origin;
};

// One name of the tree as an output writes it (see FsTree::Entries).
struct OutputEntry {
  std::string path;  // relative, no leading "/" or "./"
  const Inode* inode = nullptr;
  // For the second and later names of a hard-linked file (in path order):
  // the first name. Empty otherwise.
  std::string hardlink_to;
  // The other names of this inode, in path order (all of them, this one
  // included) when it has more than one; else empty.
  std::vector<std::string> link_group;
  int64_t mtime = 0;  // inode's mtime, clamped to SOURCE_DATE_EPOCH if set
};

// SOURCE_DATE_EPOCH from the environment: nullopt when unset or empty;
// throws FsOutputError when it is not a decimal number of seconds.
std::optional<int64_t> SourceDateEpochFromEnvironment();

// The epoch outputs clamp to: `explicit_epoch` when given, else the
// environment's SOURCE_DATE_EPOCH, else none.
std::optional<int64_t> ResolveSourceDateEpoch(std::optional<int64_t> explicit_epoch);

// Empty if `path` is a valid relative path (no empty, "." or ".." component,
// no leading or trailing "/", no NUL, at most 4095 bytes), else the problem.
std::string CheckTreePath(std::string_view path);

struct FsTreeOptions {
  bool keep_directory_symlinks = false;  // see above
};

class FsTree {
 public:
  explicit FsTree(FsTreeOptions options = {});

  // Applies every entry of the archive at `archive_path` over the tree.
  // Throws FsOutputError (or the reader's ArchiveError) naming the archive
  // and the entry; the tree may then hold part of the archive.
  void ApplyArchive(const std::filesystem::path& archive_path);

  // Entries added by the build, with the same layering rules. `path` is
  // relative ("etc/hostname"); a leading "/" is accepted and dropped.
  void AddFile(std::string_view path, std::string contents, const Metadata& meta);
  // The contents are read from `host_path` when an output is written; its
  // size is taken now and checked then.
  void AddHostFile(std::string_view path, const std::filesystem::path& host_path,
                   const Metadata& meta);
  void AddDirectory(std::string_view path, const Metadata& meta);
  void AddSymlink(std::string_view path, std::string_view target, const Metadata& meta);
  void AddDevice(std::string_view path, NodeType type, uint32_t major, uint32_t minor,
                 const Metadata& meta);
  void AddFifo(std::string_view path, const Metadata& meta);
  // `path` becomes another name of the regular file at `target`.
  void AddHardLink(std::string_view path, std::string_view target);
  // Removes `path` and everything under it; absent paths are ignored.
  void Remove(std::string_view path);

  // The root directory's metadata (archives cannot name the root).
  void SetRootMetadata(const Metadata& meta);
  const Inode& root() const { return *root_; }

  // The inode at `path`, or nullptr.
  const Inode* Find(std::string_view path) const;
  size_t size() const { return nodes_.size(); }  // names, root excluded
  const std::vector<std::filesystem::path>& archives() const { return archives_; }

  // Every name but the root, sorted bytewise by path (so parents come
  // before their children), hard links resolved, mtimes clamped to
  // `source_date_epoch` when set.
  std::vector<OutputEntry> Entries(std::optional<int64_t> source_date_epoch) const;

 private:
  using InodePtr = std::shared_ptr<Inode>;

  // Puts `inode` at `path` by the layering rules; `origin` names the entry
  // for errors.
  void Place(std::string path, InodePtr inode);
  // `path` resolved through the tree's symlinks (the last component too if
  // `follow_last`), like the kernel's path walk rooted at the tree.
  std::string Walk(std::string_view path, bool follow_last, const std::string& origin) const;
  void EnsureParents(const std::string& path, const std::string& origin);
  void RemoveSubtree(const std::string& path);
  static std::string Normalize(std::string_view path, const std::string& origin);

  FsTreeOptions options_;
  InodePtr root_;
  std::map<std::string, InodePtr> nodes_;  // std::string orders bytewise
  std::vector<std::filesystem::path> archives_;
};

// Streams regular files' data for the output writers, keeping archives open
// between calls.
class FileDataReader {
 public:
  explicit FileDataReader(const FsTree& tree) : tree_(tree) {}
  ~FileDataReader();
  FileDataReader(const FileDataReader&) = delete;
  FileDataReader& operator=(const FileDataReader&) = delete;

  // Calls `sink` with consecutive chunks of the file's `inode.size` bytes.
  // Throws FsOutputError naming the entry and source if fewer bytes exist.
  void Read(const Inode& inode, const std::function<void(std::string_view)>& sink);
  std::string ReadAll(const Inode& inode);

 private:
  int ArchiveFd(size_t index);

  const FsTree& tree_;
  std::map<size_t, int> fds_;
};

}  // namespace tinyrange::fs_output
