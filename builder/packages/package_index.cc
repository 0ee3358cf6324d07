#include "builder/packages/package_index.h"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <sstream>
#include <thread>

#include "builder/packages/mapped_file.h"

namespace tinyrange::packages {
namespace {

const std::vector<PackageId> kNoIds;
const std::vector<Provider> kNoProviders;

// Provides entries: Debian "name (= version)" lists, or Alpine
// "name=version" atoms.
template <typename Fn>
void ForEachProvided(Distro distro, const std::string& field, Fn&& fn) {
  if (field.empty()) return;
  if (distro == Distro::kDebian) {
    auto groups = ParseRelations(field, nullptr);
    if (!groups) return;  // checked when the record was made
    for (const auto& group : *groups) {
      for (const auto& r : group) fn(r.name, r.op == VersionOp::kEqual ? r.version : "");
    }
    return;
  }
  std::istringstream words(field);
  for (std::string atom; words >> atom;) {
    size_t eq = atom.find('=');
    if (eq == std::string::npos) {
      fn(atom, "");
    } else {
      fn(atom.substr(0, eq), atom.substr(eq + 1));
    }
  }
}

}  // namespace

std::optional<PackageIndex> PackageIndex::Load(const std::vector<std::string>& paths, std::string* error) {
  // Every file is read once into a padded buffer, then cut at line
  // boundaries into pieces of a few megabytes that threads parse straight
  // into their final places: the biggest index (Debian main, 35 MB of
  // records) no longer keeps one core busy while the other waits.
  constexpr size_t kPieceBytes = 4 << 20;
  struct File {
    MappedFile buffer;
    RecordFileHeader header;
    std::string error;
  };
  struct Piece {
    size_t file;
    const char* data;
    size_t size;
    uint64_t first_line;
    size_t first_slot;
    size_t count;
    std::string error;
  };
  std::vector<File> files(paths.size());
  std::vector<std::vector<Piece>> pieces_of(paths.size());
  auto run_parallel = [](size_t n, const std::function<void(size_t)>& task) {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < n;) task(i);
    };
    size_t threads = std::min<size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  };
  run_parallel(paths.size(), [&](size_t f) {
    File& file = files[f];
    if (!file.buffer.Open(paths[f], &file.error)) return;
    std::string_view text(file.buffer.data(), file.buffer.size());
    if (text.empty()) {
      file.error = paths[f] + ":0: empty record file";
      return;
    }
    size_t newline = text.find('\n');
    if (!ParseRecordHeader(text.substr(0, newline), paths[f], &file.header, &file.error)) return;
    if (newline == std::string_view::npos) return;
    uint64_t line = 2;
    size_t pos = newline + 1;
    while (pos < text.size()) {
      size_t end = std::min(text.size(), pos + kPieceBytes);
      if (end < text.size()) {
        size_t cut = text.find('\n', end);
        end = cut == std::string_view::npos ? text.size() : cut + 1;
      }
      size_t count = CountRecordLines(text.data() + pos, end - pos);
      pieces_of[f].push_back({f, text.data() + pos, end - pos, line, 0, count, ""});
      line += count;
      pos = end;
    }
  });
  for (const auto& file : files) {
    if (!file.error.empty()) {
      if (error) *error = file.error;
      return std::nullopt;
    }
  }
  PackageIndex index;
  std::vector<Piece*> pieces;
  size_t total = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    if (f > 0 && files[f].header.distro != files[0].header.distro) {
      if (error) *error = "record files of different distributions cannot share an index (" + paths[0] + ", " + paths[f] + ")";
      return std::nullopt;
    }
    index.distro_ = files[f].header.distro;
    index.repos_.push_back(files[f].header);
    for (auto& piece : pieces_of[f]) {
      piece.first_slot = total;
      total += piece.count;
      pieces.push_back(&piece);
    }
  }
  index.packages_.resize(total);
  run_parallel(pieces.size(), [&](size_t k) {
    Piece& piece = *pieces[k];
    for (size_t i = 0; i < piece.count; ++i) index.packages_[piece.first_slot + i].repo = static_cast<uint32_t>(piece.file);
    ParseRecordLines(
        piece.data, piece.size, paths[piece.file], piece.first_line,
        [&](size_t i) -> PackageRecord& { return index.packages_[piece.first_slot + i].record; }, piece.count,
        &piece.error);
  });
  for (const auto* piece : pieces) {
    if (!piece->error.empty()) {
      if (error) *error = piece->error;
      return std::nullopt;
    }
  }
  index.Build();
  return index;
}

std::optional<PackageIndex> PackageIndex::FromRecordFiles(std::vector<RecordFile> files, std::string* error) {
  PackageIndex index;
  size_t total = 0;
  for (const auto& f : files) total += f.records.size();
  index.packages_.reserve(total);
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0 && files[i].header.distro != files[0].header.distro) {
      if (error) *error = "record files of different distributions cannot share an index (" + files[0].header.repo + ", " + files[i].header.repo + ")";
      return std::nullopt;
    }
    index.distro_ = files[i].header.distro;
    index.repos_.push_back(files[i].header);
    for (auto& r : files[i].records) index.packages_.push_back({std::move(r), static_cast<uint32_t>(i)});
  }
  index.Build();
  return index;
}

void PackageIndex::Build() {
  by_name_.reserve(packages_.size());
  for (PackageId id = 0; id < packages_.size(); ++id) {
    const PackageRecord& r = packages_[id].record;
    by_name_[r.name].push_back(id);
    ForEachProvided(distro_, r.provides, [&](const std::string& name, const std::string& version) {
      if (name != r.name) providers_[name].push_back({id, version});
    });
  }
}

std::string PackageIndex::PackageUrl(PackageId id) const {
  const IndexedPackage& p = packages_[id];
  if (p.repo >= base_urls_.size()) return "";
  return base_urls_[p.repo] + "/" + p.record.filename;
}

const std::vector<PackageId>& PackageIndex::WithName(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? kNoIds : it->second;
}

const std::vector<Provider>& PackageIndex::ProvidersOf(std::string_view name) const {
  auto it = providers_.find(std::string(name));
  return it == providers_.end() ? kNoProviders : it->second;
}

std::vector<std::string> PackageIndex::MatchNames(const std::string& pattern) const {
  bool glob = pattern.find_first_of("*?[") != std::string::npos;
  std::vector<std::string> names;
  for (const auto& [name, ids] : by_name_) {
    std::string n(name);
    bool match = glob ? fnmatch(pattern.c_str(), n.c_str(), 0) == 0 : n.find(pattern) != std::string::npos;
    if (match) names.push_back(std::move(n));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tinyrange::packages
