#include "builder/archive/entry_sink.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

namespace tinyrange::archive::internal {

namespace {

// Files of unknown size (some zip entries) are buffered up to this.
constexpr size_t kMaxUnsizedFile = 256u << 20;

std::string Join(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return name;
  if (name.empty()) return prefix;
  return prefix + "/" + name;
}

std::string_view TopComponent(std::string_view name) { return name.substr(0, name.find('/')); }

// libarchive keeps a name in the form it was read in and converts on
// demand; the raw form first, so names are the archive's bytes.
const char* PathnameOf(struct archive_entry* entry) {
  const char* name = archive_entry_pathname(entry);
  return name ? name : archive_entry_pathname_utf8(entry);
}

const char* SymlinkOf(struct archive_entry* entry) {
  const char* target = archive_entry_symlink(entry);
  return target ? target : archive_entry_symlink_utf8(entry);
}

const char* HardlinkOf(struct archive_entry* entry) {
  const char* target = archive_entry_hardlink(entry);
  return target ? target : archive_entry_hardlink_utf8(entry);
}

}  // namespace

std::optional<std::string> NormaliseName(std::string_view raw, std::string* problem) {
  if (raw.find('\0') != std::string_view::npos) {
    *problem = "the name contains a NUL byte";
    return std::nullopt;
  }
  if (!raw.empty() && raw.front() == '/') {
    *problem = "the name is an absolute path";
    return std::nullopt;
  }
  std::string name;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = std::min(raw.find('/', start), raw.size());
    std::string_view component = raw.substr(start, end - start);
    start = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      *problem = "the name has a '..' component";
      return std::nullopt;
    }
    if (!name.empty()) name += '/';
    name += component;
  }
  return name;
}

bool SymlinkEscapes(std::string_view name, std::string_view target) {
  if (!target.empty() && target.front() == '/') return false;
  // Start in the symlink's directory: one level per component of `name`
  // but the last.
  long depth = static_cast<long>(std::count(name.begin(), name.end(), '/'));
  size_t start = 0;
  while (start <= target.size()) {
    size_t end = std::min(target.find('/', start), target.size());
    std::string_view component = target.substr(start, end - start);
    start = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      if (--depth < 0) return true;
    } else {
      ++depth;
    }
  }
  return false;
}

void EntrySink::Reject(std::string_view raw, const std::string& problem) const {
  // A hostile name can be megabytes long (pax); its start names it well
  // enough.
  constexpr size_t kShown = 256;
  std::string shown = raw.size() <= kShown
                          ? std::string(raw)
                          : std::string(raw.substr(0, kShown)) + "... (" + std::to_string(raw.size()) + " bytes)";
  throw ArchiveError(label_ + ": entry '" + shown + "': " + problem);
}

void EntrySink::CheckNotThroughSymlink(std::string_view raw, const std::string& name, const char* what) const {
  for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
    std::string parent = name.substr(0, slash);
    if (symlinks_.contains(parent)) {
      Reject(raw,
             std::string(what) + " '" + name + "' goes through '" + parent + "', a symlink earlier in the archive");
    }
  }
}

void EntrySink::Write(const Entry& entry, LibarchiveInput* input, const std::string* data) {
  if (data) {
    writer_.AddFile(entry, *data);
  } else if (entry.type != EntryType::kFile || entry.size == 0) {
    writer_.Add(entry);
  } else {
    writer_.AddFileFrom(entry, [input](char* buffer, size_t capacity) { return input->ReadData(buffer, capacity); });
  }
  ++entries_;
  // A later entry of the same name replaces this one when unpacked.
  files_.erase(entry.name);
  hard_links_.erase(entry.name);
  symlinks_.erase(entry.name);
  if (entry.type == EntryType::kFile) files_.insert(entry.name);
  if (entry.type == EntryType::kHardLink) hard_links_[entry.name] = entry.link;
  if (entry.type == EntryType::kSymlink) symlinks_.insert(entry.name);
}

void EntrySink::AddDirectories(const std::string& path) {
  for (size_t end = 0; end != std::string::npos;) {
    end = path.find('/', end + 1);
    std::string directory = path.substr(0, end);
    if (!metadata_directories_.insert(directory).second) continue;
    Entry entry;
    entry.type = EntryType::kDirectory;
    entry.name = directory;
    entry.mode = 0755;
    Write(entry, nullptr);
  }
}

void EntrySink::Add(LibarchiveInput& input, struct archive_entry* source, const std::string& prefix) {
  const char* raw_name = PathnameOf(source);
  if (!raw_name) Reject("?", "the entry's name cannot be read");
  std::string_view raw = raw_name;
  std::string problem;
  auto normal = NormaliseName(raw, &problem);
  if (!normal) Reject(raw, problem);

  mode_t filetype = archive_entry_filetype(source);
  const char* hardlink = HardlinkOf(source);
  if (normal->empty()) {
    // The root itself ("." or "./"): unpacking never creates it.
    if (filetype == AE_IFDIR && !hardlink) return;
    Reject(raw, "the archive's root entry is not a directory");
  }
  if (prefix.empty() && TopComponent(*normal) == kMetadataRoot) {
    Reject(raw, "names under '" + std::string(kMetadataRoot) + "/' are reserved for package metadata");
  }

  Entry entry;
  entry.name = Join(prefix, *normal);
  problem = CheckEntryName(entry.name);
  if (!problem.empty()) Reject(raw, problem);
  CheckNotThroughSymlink(raw, entry.name, "the path");
  if (symlinks_.contains(entry.name)) Reject(raw, "it replaces a symlink earlier in the archive");

  entry.mode = archive_entry_perm(source) & 07777;
  int64_t uid = archive_entry_uid(source);
  int64_t gid = archive_entry_gid(source);
  if (uid < 0 || uid > std::numeric_limits<uint32_t>::max() || gid < 0 || gid > std::numeric_limits<uint32_t>::max()) {
    Reject(raw, "owner " + std::to_string(uid) + ":" + std::to_string(gid) + " is not a 32-bit uid:gid");
  }
  entry.uid = static_cast<uint32_t>(uid);
  entry.gid = static_cast<uint32_t>(gid);
  entry.mtime = archive_entry_mtime_is_set(source) ? static_cast<int64_t>(archive_entry_mtime(source)) : 0;

  // Extended attributes sorted by key. A pax archive made by bsdtar holds
  // each one twice (LIBARCHIVE.xattr and SCHILY.xattr); equal copies are
  // one attribute, different ones are an error.
  if (archive_entry_xattr_reset(source) > 0) {
    const char* key;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(source, &key, &value, &size) == ARCHIVE_OK) {
      entry.xattrs.emplace_back(key, std::string(static_cast<const char*>(value), size));
    }
    std::stable_sort(entry.xattrs.begin(), entry.xattrs.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<std::string, std::string>> unique;
    for (auto& xattr : entry.xattrs) {
      if (!unique.empty() && unique.back().first == xattr.first) {
        if (unique.back().second != xattr.second) {
          Reject(raw, "extended attribute '" + xattr.first + "' is given twice with different values");
        }
        continue;
      }
      unique.push_back(std::move(xattr));
    }
    entry.xattrs = std::move(unique);
  }

  if (hardlink) {
    auto target = NormaliseName(hardlink, &problem);
    if (!target) Reject(raw, "hard link target '" + std::string(hardlink) + "': " + problem);
    if (target->empty()) Reject(raw, "the hard link names the archive's root");
    if (prefix.empty() && TopComponent(*target) == kMetadataRoot) {
      Reject(raw, "hard link target '" + std::string(hardlink) + "' is under the reserved '" +
                      std::string(kMetadataRoot) + "/'");
    }
    std::string link = Join(prefix, *target);
    CheckNotThroughSymlink(raw, link, "the hard link target");
    if (auto other = hard_links_.find(link); other != hard_links_.end()) link = other->second;
    if (!files_.contains(link)) {
      Reject(raw, "hard link target '" + std::string(hardlink) + "' is not a regular file earlier in the archive");
    }
    // A hard link with data (cpio keeps it with the last link) cannot be
    // expressed: the data belongs to the file named first.
    char probe;
    if (input.ReadData(&probe, 1) != 0) Reject(raw, "the hard link carries data of its own");
    entry.type = EntryType::kHardLink;
    entry.link = link;
    Write(entry, &input);
    return;
  }

  switch (filetype) {
    case AE_IFREG: {
      entry.type = EntryType::kFile;
      if (archive_entry_size_is_set(source)) {
        int64_t size = archive_entry_size(source);
        if (size < 0) Reject(raw, "negative size");
        entry.size = static_cast<uint64_t>(size);
        Write(entry, &input);
      } else {
        std::string data = input.ReadAllData(kMaxUnsizedFile);
        entry.size = data.size();
        Write(entry, &input, &data);
      }
      return;
    }
    case AE_IFDIR:
      entry.type = EntryType::kDirectory;
      break;
    case AE_IFLNK: {
      const char* target = SymlinkOf(source);
      if (!target || !*target) Reject(raw, "the symlink has no target");
      if (std::strlen(target) > kMaxLinkLength) {
        Reject(raw, "the symlink target is longer than " + std::to_string(kMaxLinkLength) + " bytes");
      }
      if (SymlinkEscapes(entry.name, target)) {
        Reject(raw, "symlink target '" + std::string(target) + "' climbs above the archive's root");
      }
      entry.type = EntryType::kSymlink;
      entry.link = target;
      break;
    }
    case AE_IFCHR:
    case AE_IFBLK:
      entry.type = filetype == AE_IFCHR ? EntryType::kCharDevice : EntryType::kBlockDevice;
      entry.dev_major = static_cast<uint32_t>(archive_entry_rdevmajor(source));
      entry.dev_minor = static_cast<uint32_t>(archive_entry_rdevminor(source));
      break;
    case AE_IFIFO:
      entry.type = EntryType::kFifo;
      break;
    case AE_IFSOCK:
      Reject(raw, "sockets cannot be archived");
    default:
      Reject(raw, "unknown file type " + std::to_string(filetype));
  }
  Write(entry, &input);
}

}  // namespace tinyrange::archive::internal
