#include "builder/download/cache_file.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

namespace tinyrange::download {

bool WriteFileAtomically(const std::string& path, const std::string& data, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." +
                    std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out.flush()) {
      std::remove(tmp.c_str());
      *error = "cannot write " + tmp;
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    *error = "cannot move " + tmp + " into place";
    return false;
  }
  return true;
}

bool CopyFileOut(const std::string& from, const std::string& to, std::string* error) {
  int in = open(from.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (in < 0 || fstat(in, &st) != 0) {
    *error = "cannot read " + from + ": " + std::strerror(errno);
    if (in >= 0) close(in);
    return false;
  }
  int out = open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (st.st_mode & 07777) | S_IWUSR);
  if (out < 0) {
    *error = "cannot create " + to + ": " + std::strerror(errno);
    close(in);
    return false;
  }
  bool ok = ioctl(out, FICLONE, in) == 0;
  if (!ok) {
    // copy_file_range lets the kernel share or offload what it can; it
    // fails across some file system pairs, where plain copying remains.
    off_t done = 0;
    bool use_range = true;
    std::vector<char> buffer;
    ok = true;
    while (done < st.st_size) {
      ssize_t n = -1;
      if (use_range) {
        n = copy_file_range(in, nullptr, out, nullptr, static_cast<size_t>(st.st_size - done), 0);
        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) && done == 0) {
          use_range = false;
          continue;
        }
      } else {
        buffer.resize(1 << 20);
        n = read(in, buffer.data(), buffer.size());
        if (n > 0 && !WriteAll(out, buffer.data(), static_cast<size_t>(n))) n = -1;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // a short source (it changed under us) or an error
        ok = false;
        break;
      }
      done += n;
    }
  }
  int saved = errno;
  if (close(out) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  close(in);
  if (!ok) {
    unlink(to.c_str());
    *error = "cannot copy " + from + " to " + to + ": " + std::strerror(saved);
  }
  return ok;
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

bool WriteAll(int fd, const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = ENOSPC;
      return false;
    }
    bytes += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace tinyrange::download
