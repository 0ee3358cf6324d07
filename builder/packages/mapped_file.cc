#include "builder/packages/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tinyrange::packages {

MappedFile::~MappedFile() {
  if (base_) munmap(base_, reserved_);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)), size_(other.size_), reserved_(other.reserved_) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (base_) munmap(base_, reserved_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = other.size_;
    reserved_ = other.reserved_;
  }
  return *this;
}

bool MappedFile::Open(const std::string& path, std::string* error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = path + " is not a regular file";
    close(fd);
    return false;
  }
  size_t size = static_cast<size_t>(st.st_size);
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t reserved = (size + kPadding + page - 1) / page * page;
  // Zeroed anonymous memory for the whole span, then the file over its
  // start: whatever lies past the end of the file reads as zero.
  void* base = mmap(nullptr, reserved, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    *error = "cannot map " + path + ": " + std::strerror(errno);
    close(fd);
    return false;
  }
  if (size > 0 && mmap(base, size, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd, 0) == MAP_FAILED) {
    *error = "cannot map " + path + ": " + std::strerror(errno);
    munmap(base, reserved);
    close(fd);
    return false;
  }
  close(fd);
  if (base_) munmap(base_, reserved_);
  base_ = base;
  size_ = size;
  reserved_ = reserved;
  return true;
}

}  // namespace tinyrange::packages
