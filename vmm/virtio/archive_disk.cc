#include "vmm/virtio/archive_disk.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {

namespace {

uint64_t AlignUp(uint64_t v) { return (v + kArchiveDiskAlignment - 1) & ~(kArchiveDiskAlignment - 1); }

template <typename T>
void Put(std::vector<uint8_t>& b, uint64_t offset, T v) {
  std::memcpy(b.data() + offset, &v, sizeof v);
}

// The part of `iov` that covers bytes [skip, skip + length) of it.
std::vector<iovec> Slice(std::span<const iovec> iov, uint64_t skip, uint64_t length) {
  std::vector<iovec> out;
  for (const iovec& v : iov) {
    if (length == 0) break;
    if (skip >= v.iov_len) {
      skip -= v.iov_len;
      continue;
    }
    uint64_t take = std::min<uint64_t>(v.iov_len - skip, length);
    out.push_back({static_cast<uint8_t*>(v.iov_base) + skip, static_cast<size_t>(take)});
    length -= take;
    skip = 0;
  }
  return out;
}

void Fill(std::span<const iovec> iov, const uint8_t* source) {
  for (const iovec& v : iov) {
    if (source) {
      std::memcpy(v.iov_base, source, v.iov_len);
      source += v.iov_len;
    } else {
      std::memset(v.iov_base, 0, v.iov_len);
    }
  }
}

}  // namespace

std::unique_ptr<ArchiveDisk> ArchiveDisk::Open(const std::vector<ArchiveDiskPart>& parts) {
  auto disk = std::unique_ptr<ArchiveDisk>(new ArchiveDisk());
  uint64_t header_size = AlignUp(kArchiveDiskHeaderSize + kArchiveDiskEntrySize * parts.size());
  disk->header_.assign(header_size, 0);
  std::memcpy(disk->header_.data(), kArchiveDiskMagic, sizeof kArchiveDiskMagic);
  Put<uint32_t>(disk->header_, 8, 1);
  Put<uint32_t>(disk->header_, 12, static_cast<uint32_t>(parts.size()));
  Put<uint64_t>(disk->header_, 16, header_size);
  uint64_t offset = header_size;
  for (size_t i = 0; i < parts.size(); ++i) {
    File f;
    f.fd.Reset(open(parts[i].path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!f.fd.valid()) ThrowErrno("cannot open archive " + parts[i].path);
    struct stat st;
    if (fstat(f.fd.get(), &st) < 0) ThrowErrno("cannot stat archive " + parts[i].path);
    if (!S_ISREG(st.st_mode)) throw VmmError("archive " + parts[i].path + " is not a regular file");
    f.offset = offset;
    f.size = static_cast<uint64_t>(st.st_size);
    uint64_t entry = kArchiveDiskHeaderSize + kArchiveDiskEntrySize * i;
    Put<uint64_t>(disk->header_, entry, f.offset);
    Put<uint64_t>(disk->header_, entry + 8, f.size);
    std::memcpy(disk->header_.data() + entry + 16, parts[i].sha256.data(), 32);
    offset = AlignUp(offset + f.size);
    disk->files_.push_back(std::move(f));
  }
  disk->size_ = offset;
  return disk;
}

bool ArchiveDisk::Read(uint64_t offset, std::span<const iovec> iov) {
  uint64_t length = 0;
  for (const iovec& v : iov) length += v.iov_len;
  if (offset > size_ || length > size_ - offset) return false;
  // Walk the pieces the range crosses: the header, each file, and the
  // zero padding after each.
  uint64_t done = 0;
  while (done < length) {
    uint64_t at = offset + done;
    uint64_t piece_end;
    const File* file = nullptr;
    const uint8_t* memory = nullptr;
    if (at < header_.size() || files_.empty()) {
      piece_end = header_.size();
      memory = header_.data() + at;  // Read checked the range against size_
    } else {
      // The file whose [offset, next file) span holds `at`.
      size_t i = 0;
      while (i + 1 < files_.size() && files_[i + 1].offset <= at) ++i;
      const File& f = files_[i];
      if (at < f.offset + f.size) {
        file = &f;
        piece_end = f.offset + f.size;
      } else {
        piece_end = i + 1 < files_.size() ? files_[i + 1].offset : size_;
      }
    }
    uint64_t take = std::min(piece_end - at, length - done);
    std::vector<iovec> part = Slice(iov, done, take);
    if (file) {
      if (!TransferAll(file->fd.get(), false, at - file->offset, part)) return false;
    } else {
      Fill(part, memory);
    }
    done += take;
  }
  return true;
}

}  // namespace tinyrange::virtio
