#include "builder/fs_output/initramfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "builder/cpio/cpio_writer.h"
#include "builder/fs_output/atomic_file.h"

namespace tinyrange::fs_output {

namespace {

// Files up to this size are handed to CpioWriter from memory; bigger ones
// are copied to a spool file first so memory stays bounded.
constexpr uint64_t kInMemoryLimit = 1 << 20;

class CompressedCpioSink : public CpioSink {
 public:
  explicit CompressedCpioSink(CompressedWriter* writer) : writer_(writer) {}
  void Write(std::span<const uint8_t> bytes) override {
    writer_->Write(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }

 private:
  CompressedWriter* writer_;
};

uint32_t CpioMtime(int64_t mtime) {
  if (mtime < 0) return 0;
  if (mtime > std::numeric_limits<uint32_t>::max()) return std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(mtime);
}

}  // namespace

void WriteInitramfs(const FsTree& tree, const std::filesystem::path& output,
                    const InitramfsOptions& options) {
  std::optional<int64_t> epoch = ResolveSourceDateEpoch(options.source_date_epoch);
  std::vector<OutputEntry> entries = tree.Entries(epoch);
  std::string what = "initramfs " + output.string();

  AtomicFile file(output);
  std::optional<TempDir> spool_dir;  // made on the first large file
  CompressedWriter writer(file.fd(), options.compression, options.level, what);
  CompressedCpioSink sink(&writer);
  CpioWriterOptions cpio_options;
  cpio_options.default_mtime = 0;  // every entry sets its own
  CpioWriter cpio(&sink, cpio_options);
  FileDataReader data(tree);

  for (const OutputEntry& out : entries) {
    const Inode& inode = *out.inode;
    CpioMetadata meta(inode.meta.mode & 07777, inode.meta.uid, inode.meta.gid, CpioMtime(out.mtime));
    try {
      switch (inode.type) {
        case NodeType::kDirectory:
          cpio.AddDirectory(out.path, meta);
          break;
        case NodeType::kSymlink:
          cpio.AddSymlink(out.path, inode.symlink_target, meta);
          break;
        case NodeType::kCharDevice:
          cpio.AddCharDevice(out.path, inode.dev_major, inode.dev_minor, meta);
          break;
        case NodeType::kBlockDevice:
          cpio.AddBlockDevice(out.path, inode.dev_major, inode.dev_minor, meta);
          break;
        case NodeType::kFifo:
          cpio.AddFifo(out.path, meta);
          break;
        case NodeType::kFile:
          if (!out.link_group.empty()) {
            if (out.path != out.link_group.back()) break;  // written with the last name
            std::string bytes = data.ReadAll(inode);
            cpio.AddHardLinkedFile(out.link_group,
                                   std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
                                   meta);
          } else if (inode.data.kind == FileData::Kind::kHostFile) {
            cpio.AddFileFromHost(out.path, inode.data.host_path, meta);
          } else if (inode.size <= kInMemoryLimit) {
            cpio.AddFile(out.path, std::string_view(data.ReadAll(inode)), meta);
          } else {
            if (!spool_dir) spool_dir.emplace(output);
            std::filesystem::path spool = spool_dir->path() / "file";
            int fd = ::open(spool.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (fd < 0) throw FsOutputError("cannot create " + spool.string() + ": " + std::strerror(errno));
            try {
              data.Read(inode, [&](std::string_view chunk) {
                while (!chunk.empty()) {
                  ssize_t n = ::write(fd, chunk.data(), chunk.size());
                  if (n < 0 && errno == EINTR) continue;
                  if (n < 0) throw FsOutputError("cannot write " + spool.string() + ": " + std::strerror(errno));
                  chunk.remove_prefix(static_cast<size_t>(n));
                }
              });
            } catch (...) {
              ::close(fd);
              throw;
            }
            ::close(fd);
            cpio.AddFileFromHost(out.path, spool, meta);
          }
          break;
      }
    } catch (const CpioError& e) {
      throw FsOutputError(what + ": entry \"" + out.path + "\" (" + inode.origin + "): " + e.what());
    }
  }
  try {
    cpio.Finish();
  } catch (const CpioError& e) {
    throw FsOutputError(what + ": " + e.what());
  }
  writer.Finish();
  file.Commit();
}

}  // namespace tinyrange::fs_output
