// libFuzzer target: the archive reader on arbitrary bytes. Archives come
// from the cache and, through the converter, from untrusted packages; a
// damaged one must end in ArchiveError, never in a crash, a sanitizer
// report, a hang or an allocation driven by a length field.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "builder/archive/archive_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader takes a path: the input goes into a memory file.
  static int fd = memfd_create("archive", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    tinyrange::archive::ArchiveReader reader(path);
    // Alternate between reading data in pieces and skipping it.
    bool read = true;
    while (auto entry = reader.Next()) {
      if (read) {
        char buffer[1000];
        while (reader.Read(buffer, sizeof buffer) > 0) {
        }
      }
      read = !read;
    }
  } catch (const tinyrange::archive::ArchiveError&) {
  }
  return 0;
}
