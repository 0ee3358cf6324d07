#include "builder/install/package_contents.h"

#include <set>

#include "builder/archive/archive_reader.h"
#include "builder/install/digest.h"
#include "builder/install/install_error.h"

namespace tinyrange::install {

namespace {

// Control files are small (dpkg keeps them in memory too); a bigger one is
// a broken package, not something to buffer.
constexpr uint64_t kMaxControlFile = 64u << 20;

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

std::string PackageMessage(const PlannedArchive& package, const std::string& what, const std::string& file) {
  std::string message = package.name + ": " + what;
  if (!file.empty()) message += " (" + file + " in " + package.archive_path + ")";
  return message;
}

std::vector<std::string> ControlLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = Trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.starts_with('#')) continue;
    lines.push_back(std::move(line));
  }
  return lines;
}

PackageContents ReadPackageContents(const PlannedArchive& package, const ReadOptions& options) {
  PackageContents contents;
  contents.metadata_dir = ".tinyrange/packages/" + options.distro + "/" + package.name;
  const std::string prefix = contents.metadata_dir + "/";
  bool found_metadata = false;
  std::set<std::string> seen;
  std::set<std::string> conffiles;  // entry names, once "conffiles" has been read
  try {
    archive::ArchiveReader reader(package.archive_path);
    while (auto entry = reader.Next()) {
      if (entry->name == ".tinyrange" || entry->name.starts_with(".tinyrange/")) {
        if (entry->name == contents.metadata_dir) found_metadata = true;
        if (!entry->name.starts_with(prefix)) continue;
        found_metadata = true;
        std::string member = entry->name.substr(prefix.size());
        // Only the top-level regular files are control files, as for dpkg.
        if (member.find('/') != std::string::npos || entry->type != archive::EntryType::kFile) continue;
        if (entry->size > kMaxControlFile) {
          throw InstallError(PackageMessage(package, "control file is larger than 64 MiB", entry->name));
        }
        ControlFile file{reader.ReadAll(), entry->mode};
        if (options.md5_conffiles && member == "conffiles") {
          for (const std::string& line : ControlLines(file.data)) {
            // "[flags ]/path": the path is the last word (dpkg >= 1.20 allows
            // a "remove-on-upgrade" flag before it).
            size_t space = line.rfind(' ');
            std::string path = space == std::string::npos ? line : line.substr(space + 1);
            while (path.starts_with('/')) path.erase(0, 1);
            conffiles.insert(path);
          }
        }
        contents.control[member] = std::move(file);
        continue;
      }
      if (!seen.insert(entry->name).second) continue;
      PackagePath path;
      path.name = entry->name;
      path.type = entry->type;
      path.mode = entry->mode;
      path.uid = entry->uid;
      path.gid = entry->gid;
      path.link = entry->link;
      bool md5 = entry->type == archive::EntryType::kFile && conffiles.count(entry->name);
      if (entry->type == archive::EntryType::kFile && (options.sha1_files || md5)) {
        // One pass over the data for both digests.
        std::optional<Digest> sha1, md5_digest;
        if (options.sha1_files) sha1.emplace(DigestKind::kSha1);
        if (md5) md5_digest.emplace(DigestKind::kMd5);
        char buffer[64 * 1024];
        while (size_t n = reader.Read(buffer, sizeof buffer)) {
          if (sha1) sha1->Update(buffer, n);
          if (md5_digest) md5_digest->Update(buffer, n);
        }
        if (sha1) path.sha1 = sha1->Finish();
        if (md5_digest) path.md5hex = HexOf(md5_digest->Finish());
      } else if (entry->type == archive::EntryType::kSymlink && options.sha1_files) {
        // apk records a symlink's checksum as the SHA-1 of its target.
        path.sha1 = DigestOf(DigestKind::kSha1, entry->link);
      }
      contents.paths.push_back(std::move(path));
    }
  } catch (const archive::ArchiveError& error) {
    throw InstallError(package.name + ": cannot read the package archive: " + error.what());
  }
  if (!found_metadata) {
    throw InstallError(
        PackageMessage(package, "the package is not in its archive: no metadata directory", contents.metadata_dir));
  }
  return contents;
}

}  // namespace tinyrange::install
