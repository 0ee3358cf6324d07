#include "builder/fs_output/fs_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <unordered_map>

#include "builder/archive/archive_format.h"
#include "builder/archive/archive_reader.h"

namespace tinyrange::fs_output {

namespace {

constexpr size_t kMaxPathLength = 4095;
constexpr size_t kChunk = 256 * 1024;

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

NodeType FromArchiveType(archive::EntryType type) {
  switch (type) {
    case archive::EntryType::kFile:
      return NodeType::kFile;
    case archive::EntryType::kDirectory:
      return NodeType::kDirectory;
    case archive::EntryType::kSymlink:
      return NodeType::kSymlink;
    case archive::EntryType::kCharDevice:
      return NodeType::kCharDevice;
    case archive::EntryType::kBlockDevice:
      return NodeType::kBlockDevice;
    case archive::EntryType::kFifo:
      return NodeType::kFifo;
    default:
      break;
  }
  return NodeType::kFile;  // callers handle kHardLink and kEnd first
}

// Bytes of an entry's extended-attribute block (archive_format.h): each
// pair is stored as u32 key_len, u32 value_len, key, value.
uint64_t XattrBlockSize(const archive::Entry& entry) {
  uint64_t size = 0;
  for (const auto& [key, value] : entry.xattrs) size += 8 + key.size() + value.size();
  return size;
}

uint64_t AlignUp(uint64_t value) {
  return (value + archive::kAlignment - 1) / archive::kAlignment * archive::kAlignment;
}

}  // namespace

const char* NodeTypeName(NodeType type) {
  switch (type) {
    case NodeType::kFile:
      return "regular file";
    case NodeType::kDirectory:
      return "directory";
    case NodeType::kSymlink:
      return "symlink";
    case NodeType::kCharDevice:
      return "character device";
    case NodeType::kBlockDevice:
      return "block device";
    case NodeType::kFifo:
      return "fifo";
  }
  return "unknown";
}

std::optional<int64_t> SourceDateEpochFromEnvironment() {
  const char* text = std::getenv("SOURCE_DATE_EPOCH");
  if (text == nullptr || *text == '\0') return std::nullopt;
  int64_t value = 0;
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9' || value > (INT64_MAX - 9) / 10) {
      throw FsOutputError(std::string("SOURCE_DATE_EPOCH is not a decimal number of seconds: \"") +
                          text + "\"; set it to e.g. $(git log -1 --format=%ct) or unset it");
    }
    value = value * 10 + (*p - '0');
  }
  return value;
}

std::optional<int64_t> ResolveSourceDateEpoch(std::optional<int64_t> explicit_epoch) {
  if (explicit_epoch) return explicit_epoch;
  return SourceDateEpochFromEnvironment();
}

std::string CheckTreePath(std::string_view path) {
  if (path.empty()) return "the path is empty";
  if (path.size() > kMaxPathLength) return "the path is longer than 4095 bytes";
  if (path.find('\0') != std::string_view::npos) return "the path contains a NUL byte";
  if (path.front() == '/') return "the path starts with \"/\"";
  if (path.back() == '/') return "the path ends with \"/\"";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty()) return "the path has an empty component";
    if (part == "." || part == "..") return "the path has a \"" + std::string(part) + "\" component";
    start = end + 1;
  }
  return "";
}

FsTree::FsTree(FsTreeOptions options) : options_(options), root_(std::make_shared<Inode>()) {
  root_->type = NodeType::kDirectory;
  root_->meta = Metadata(0755);
  root_->origin = "the root directory";
}

std::string FsTree::Normalize(std::string_view path, const std::string& origin) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string problem = CheckTreePath(path);
  if (!problem.empty()) throw FsOutputError(origin + ": invalid path: " + problem);
  return std::string(path);
}

void FsTree::RemoveSubtree(const std::string& path) {
  nodes_.erase(path);
  // Children are exactly the keys in [path + "/", path + "0"): '0' is the
  // byte after '/'.
  auto first = nodes_.lower_bound(path + "/");
  auto last = nodes_.lower_bound(path + "0");
  nodes_.erase(first, last);
}

void FsTree::EnsureParents(const std::string& path, const std::string& origin) {
  std::string parent = Parent(path);
  if (parent.empty()) return;
  auto it = nodes_.find(parent);
  if (it != nodes_.end()) {
    if (it->second->type == NodeType::kDirectory) return;
    throw FsOutputError(origin + ": its parent " + Quoted(parent) + " is a " +
                        NodeTypeName(it->second->type) + " (from " + it->second->origin +
                        "), not a directory; add a directory entry for " + Quoted(parent) +
                        " before it to replace it, or install the entry at the path the " +
                        NodeTypeName(it->second->type) + " leads to");
  }
  EnsureParents(parent, origin);
  auto dir = std::make_shared<Inode>();
  dir->type = NodeType::kDirectory;
  dir->meta = Metadata(0755);
  dir->origin = "the implied parent directory of " + origin;
  nodes_.emplace(parent, std::move(dir));
}

std::string FsTree::Walk(std::string_view path, bool follow_last, const std::string& origin) const {
  constexpr int kMaxHops = 40;  // as the kernel's ELOOP limit
  std::deque<std::string> parts;
  auto push_parts = [&parts](std::string_view text) {
    std::vector<std::string> split;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('/', start);
      if (end == std::string_view::npos) end = text.size();
      if (end > start) split.emplace_back(text.substr(start, end - start));
      start = end + 1;
    }
    parts.insert(parts.begin(), split.begin(), split.end());
  };
  push_parts(path);
  std::string current;  // resolved so far; "" is the root
  int hops = 0;
  while (!parts.empty()) {
    std::string part = std::move(parts.front());
    parts.pop_front();
    if (part == ".") continue;
    if (part == "..") {  // never above the root: the tree is the whole world
      current = Parent(current);
      continue;
    }
    std::string candidate = current.empty() ? part : current + "/" + part;
    auto it = nodes_.find(candidate);
    if (it != nodes_.end() && it->second->type == NodeType::kSymlink && (follow_last || !parts.empty())) {
      if (++hops > kMaxHops) {
        throw FsOutputError(origin + ": more than 40 symlinks to follow in \"" + std::string(path) +
                            "\" (a symlink loop?)");
      }
      const std::string& target = it->second->symlink_target;
      if (!target.empty() && target.front() == '/') current.clear();
      push_parts(target);
      continue;
    }
    current = std::move(candidate);
  }
  return current;
}

void FsTree::Place(std::string path, InodePtr inode) {
  if (options_.keep_directory_symlinks) {
    // Resolve the parents through symlinks, as dpkg does; the last
    // component only when a directory arrives on a symlink to a directory,
    // which then stays (merged-/usr: "bin" -> "usr/bin" survives packages
    // that ship "bin/").
    std::string parent = Walk(Parent(path), true, inode->origin);
    size_t slash = path.rfind('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    path = parent.empty() ? base : parent + "/" + base;
    auto existing = nodes_.find(path);
    if (inode->type == NodeType::kDirectory && existing != nodes_.end() &&
        existing->second->type == NodeType::kSymlink) {
      std::string target = Walk(path, true, inode->origin);
      const Inode* resolved = Find(target);
      if (resolved != nullptr && resolved->type == NodeType::kDirectory) return;
    }
  }
  EnsureParents(path, inode->origin);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) {
    nodes_.emplace(path, std::move(inode));
    return;
  }
  bool old_dir = it->second->type == NodeType::kDirectory;
  bool new_dir = inode->type == NodeType::kDirectory;
  if (old_dir && new_dir) {
    // Only the metadata changes; the directory keeps its children. A new
    // inode object, so nothing else sees the change (directories are never
    // hard-linked, but keep the invariant simple).
    it->second = std::move(inode);
    return;
  }
  if (old_dir) RemoveSubtree(path);
  nodes_[path] = std::move(inode);
}

void FsTree::ApplyArchive(const std::filesystem::path& archive_path) {
  archive::ArchiveReader reader(archive_path);
  size_t archive_index = archives_.size();
  archives_.push_back(archive_path);
  // Hard links name an earlier file of the same archive; this maps those
  // names to the inodes this archive created, whatever later entries did.
  std::unordered_map<std::string, InodePtr> files_here;
  // Where the next entry starts (archive_format.h): the reader does not say
  // where an entry's data is, so it is computed from the sizes it returns.
  uint64_t entry_start = archive::kFileHeaderSize;
  while (std::optional<archive::Entry> entry = reader.Next()) {
    std::string origin = "archive " + archive_path.string() + " entry " + Quoted(entry->name);
    uint64_t data_offset = entry_start + archive::kEntryHeaderSize + entry->name.size() +
                           entry->link.size() + XattrBlockSize(*entry);
    entry_start = AlignUp(data_offset + entry->size);
    std::string path = Normalize(entry->name, origin);

    if (entry->type == archive::EntryType::kHardLink) {
      auto target = files_here.find(entry->link);
      if (target == files_here.end()) {
        throw FsOutputError(origin + ": hard link to " + Quoted(entry->link) +
                            ", which is not an earlier regular file of the same archive");
      }
      Place(path, target->second);
      continue;
    }
    auto inode = std::make_shared<Inode>();
    inode->type = FromArchiveType(entry->type);
    inode->meta = Metadata(entry->mode & 07777, entry->uid, entry->gid, entry->mtime);
    inode->meta.xattrs = entry->xattrs;
    inode->origin = origin;
    switch (inode->type) {
      case NodeType::kFile:
        inode->size = entry->size;
        inode->data.kind = FileData::Kind::kArchive;
        inode->data.archive = archive_index;
        inode->data.offset = data_offset;
        files_here[path] = inode;
        break;
      case NodeType::kSymlink:
        inode->symlink_target = entry->link;
        break;
      case NodeType::kCharDevice:
      case NodeType::kBlockDevice:
        inode->dev_major = entry->dev_major;
        inode->dev_minor = entry->dev_minor;
        break;
      default:
        break;
    }
    Place(path, std::move(inode));
  }
}

void FsTree::AddFile(std::string_view path, std::string contents, const Metadata& meta) {
  std::string origin = "added entry " + Quoted(path);
  std::string name = Normalize(path, origin);
  auto inode = std::make_shared<Inode>();
  inode->type = NodeType::kFile;
  inode->meta = meta;
  inode->size = contents.size();
  inode->data.kind = FileData::Kind::kBytes;
  inode->data.bytes = std::move(contents);
  inode->origin = origin;
  Place(name, std::move(inode));
}

void FsTree::AddHostFile(std::string_view path, const std::filesystem::path& host_path,
                         const Metadata& meta) {
  std::string origin = "added entry " + Quoted(path) + " (from host file " + host_path.string() + ")";
  std::string name = Normalize(path, origin);
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(host_path, ec);
  if (ec) throw FsOutputError(origin + ": cannot read its size: " + ec.message());
  auto inode = std::make_shared<Inode>();
  inode->type = NodeType::kFile;
  inode->meta = meta;
  inode->size = size;
  inode->data.kind = FileData::Kind::kHostFile;
  inode->data.host_path = host_path;
  inode->origin = origin;
  Place(name, std::move(inode));
}

void FsTree::AddDirectory(std::string_view path, const Metadata& meta) {
  std::string origin = "added entry " + Quoted(path);
  std::string name = Normalize(path, origin);
  auto inode = std::make_shared<Inode>();
  inode->type = NodeType::kDirectory;
  inode->meta = meta;
  inode->origin = origin;
  Place(name, std::move(inode));
}

void FsTree::AddSymlink(std::string_view path, std::string_view target, const Metadata& meta) {
  std::string origin = "added entry " + Quoted(path);
  std::string name = Normalize(path, origin);
  if (target.empty() || target.find('\0') != std::string_view::npos) {
    throw FsOutputError(origin + ": a symlink target must be non-empty and have no NUL byte");
  }
  auto inode = std::make_shared<Inode>();
  inode->type = NodeType::kSymlink;
  inode->meta = meta;
  inode->symlink_target = std::string(target);
  inode->origin = origin;
  Place(name, std::move(inode));
}

void FsTree::AddDevice(std::string_view path, NodeType type, uint32_t major, uint32_t minor,
                       const Metadata& meta) {
  std::string origin = "added entry " + Quoted(path);
  if (type != NodeType::kCharDevice && type != NodeType::kBlockDevice) {
    throw FsOutputError(origin + ": AddDevice takes kCharDevice or kBlockDevice, not a " +
                        NodeTypeName(type));
  }
  std::string name = Normalize(path, origin);
  auto inode = std::make_shared<Inode>();
  inode->type = type;
  inode->meta = meta;
  inode->dev_major = major;
  inode->dev_minor = minor;
  inode->origin = origin;
  Place(name, std::move(inode));
}

void FsTree::AddFifo(std::string_view path, const Metadata& meta) {
  std::string origin = "added entry " + Quoted(path);
  std::string name = Normalize(path, origin);
  auto inode = std::make_shared<Inode>();
  inode->type = NodeType::kFifo;
  inode->meta = meta;
  inode->origin = origin;
  Place(name, std::move(inode));
}

void FsTree::AddHardLink(std::string_view path, std::string_view target) {
  std::string origin = "added hard link " + Quoted(path);
  std::string name = Normalize(path, origin);
  std::string target_name = Normalize(target, origin + " (its target)");
  auto it = nodes_.find(target_name);
  if (it == nodes_.end() || it->second->type != NodeType::kFile) {
    throw FsOutputError(origin + ": the target " + Quoted(target_name) +
                        " is not a regular file in the tree");
  }
  if (target_name == name) return;
  Place(name, it->second);
}

void FsTree::Remove(std::string_view path) {
  std::string name = Normalize(path, "removed entry " + Quoted(path));
  RemoveSubtree(name);
}

void FsTree::SetRootMetadata(const Metadata& meta) { root_->meta = meta; }

const Inode* FsTree::Find(std::string_view path) const {
  if (path.empty()) return root_.get();
  auto it = nodes_.find(std::string(path));
  return it == nodes_.end() ? nullptr : it->second.get();
}

std::vector<OutputEntry> FsTree::Entries(std::optional<int64_t> source_date_epoch) const {
  std::vector<OutputEntry> out;
  out.reserve(nodes_.size());
  // Names of each inode in path order; map order is path order.
  std::unordered_map<const Inode*, std::vector<std::string>> names;
  for (const auto& [path, inode] : nodes_) {
    if (inode->type == NodeType::kFile && inode.use_count() > 1) names[inode.get()].push_back(path);
  }
  for (const auto& [path, inode] : nodes_) {
    OutputEntry entry;
    entry.path = path;
    entry.inode = inode.get();
    entry.mtime = inode->meta.mtime;
    // The reproducible-builds convention: nothing is newer than the
    // source, so later rebuilds of the same source match.
    if (source_date_epoch && entry.mtime > *source_date_epoch) entry.mtime = *source_date_epoch;
    auto group = names.find(inode.get());
    if (group != names.end() && group->second.size() > 1) {
      entry.link_group = group->second;
      if (group->second.front() != path) entry.hardlink_to = group->second.front();
    }
    out.push_back(std::move(entry));
  }
  return out;
}

FileDataReader::~FileDataReader() {
  for (const auto& [index, fd] : fds_) ::close(fd);
}

int FileDataReader::ArchiveFd(size_t index) {
  auto it = fds_.find(index);
  if (it != fds_.end()) return it->second;
  const std::filesystem::path& path = tree_.archives().at(index);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw FsOutputError("cannot open archive " + path.string() + " again to copy file data: " +
                        std::strerror(errno));
  }
  fds_.emplace(index, fd);
  return fd;
}

void FileDataReader::Read(const Inode& inode, const std::function<void(std::string_view)>& sink) {
  if (inode.type != NodeType::kFile) return;
  switch (inode.data.kind) {
    case FileData::Kind::kBytes:
      if (inode.data.bytes.size() != inode.size) {
        throw FsOutputError(inode.origin + ": holds " + std::to_string(inode.data.bytes.size()) +
                            " bytes but its size is " + std::to_string(inode.size));
      }
      if (!inode.data.bytes.empty()) sink(inode.data.bytes);
      return;
    case FileData::Kind::kArchive: {
      int fd = ArchiveFd(inode.data.archive);
      std::string buffer(static_cast<size_t>(std::min<uint64_t>(kChunk, inode.size)), '\0');
      uint64_t done = 0;
      while (done < inode.size) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), inode.size - done));
        ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(inode.data.offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          throw FsOutputError(inode.origin + ": cannot read its data at offset " +
                              std::to_string(inode.data.offset + done) + ": " +
                              (n < 0 ? std::strerror(errno)
                                     : "the archive is shorter than when it was read; "
                                       "was it changed or truncated since?"));
        }
        sink(std::string_view(buffer.data(), static_cast<size_t>(n)));
        done += static_cast<uint64_t>(n);
      }
      return;
    }
    case FileData::Kind::kHostFile: {
      int fd = ::open(inode.data.host_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw FsOutputError(inode.origin + ": cannot open: " + std::strerror(errno));
      std::string buffer(kChunk, '\0');
      uint64_t done = 0;
      try {
        while (true) {
          ssize_t n = ::read(fd, buffer.data(), buffer.size());
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) throw FsOutputError(inode.origin + ": cannot read: " + std::strerror(errno));
          if (n == 0) break;
          done += static_cast<uint64_t>(n);
          if (done > inode.size) break;
          sink(std::string_view(buffer.data(), static_cast<size_t>(n)));
        }
        if (done != inode.size) {
          throw FsOutputError(inode.origin + ": the file was " + std::to_string(inode.size) +
                              " bytes when added and is now " + (done > inode.size ? "larger" : std::to_string(done) + " bytes") +
                              "; do not change it while the build runs");
        }
      } catch (...) {
        ::close(fd);
        throw;
      }
      ::close(fd);
      return;
    }
  }
}

std::string FileDataReader::ReadAll(const Inode& inode) {
  std::string out;
  out.reserve(static_cast<size_t>(inode.size));
  Read(inode, [&](std::string_view chunk) { out.append(chunk); });
  return out;
}

}  // namespace tinyrange::fs_output
