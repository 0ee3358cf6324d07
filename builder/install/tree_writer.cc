#include "builder/install/tree_writer.h"

#include <unistd.h>

#include <atomic>
#include <system_error>

#include "builder/install/install_error.h"

namespace tinyrange::install {

TreeWriter::TreeWriter(std::filesystem::path path, int64_t mtime) : path_(std::move(path)), mtime_(mtime) {
  // Beside the output, so the rename cannot cross filesystems; unique to
  // this process and writer so parallel builders never share it.
  static std::atomic<uint64_t> counter{0};
  temporary_ = path_;
  temporary_ += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  std::error_code ignored;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ignored);
  writer_ = std::make_unique<archive::ArchiveWriter>(temporary_);
}

TreeWriter::~TreeWriter() {
  if (committed_) return;
  writer_.reset();
  std::error_code ignored;
  std::filesystem::remove(temporary_, ignored);
}

void TreeWriter::AddParents(const std::string& path) {
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    AddDirectory(path.substr(0, slash));
  }
}

void TreeWriter::AddDirectory(const std::string& path) {
  if (directories_.count(path)) return;
  AddParents(path);
  archive::Entry entry;
  entry.type = archive::EntryType::kDirectory;
  entry.name = path;
  entry.mode = 0755;
  entry.mtime = mtime_;
  writer_->Add(entry);
  directories_.insert(path);
}

void TreeWriter::AddFile(const std::string& path, std::string_view data, uint32_t mode) {
  AddParents(path);
  archive::Entry entry;
  entry.type = archive::EntryType::kFile;
  entry.name = path;
  entry.mode = mode;
  entry.mtime = mtime_;
  entry.size = data.size();
  writer_->AddFile(entry, data);
}

void TreeWriter::AddSymlink(const std::string& path, const std::string& target) {
  AddParents(path);
  archive::Entry entry;
  entry.type = archive::EntryType::kSymlink;
  entry.name = path;
  entry.mode = 0777;
  entry.mtime = mtime_;
  entry.link = target;
  writer_->Add(entry);
}

std::string TreeWriter::Commit() {
  std::string sha256 = writer_->Finish();
  std::error_code error;
  std::filesystem::rename(temporary_, path_, error);
  if (error) throw InstallError(path_.string() + ": cannot rename the finished archive into place: " + error.message());
  committed_ = true;
  return sha256;
}

}  // namespace tinyrange::install
