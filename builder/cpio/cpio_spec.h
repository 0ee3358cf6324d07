// A cpio archive described by a text spec in the format of the Linux
// kernel's usr/gen_init_cpio, so a list written for the kernel's own tool
// works here too. One entry a line; '#' starts a comment:
//
//   file  NAME LOCATION MODE UID GID     a regular file read from LOCATION
//   dir   NAME MODE UID GID
//   slink NAME TARGET MODE UID GID
//   nod   NAME MODE UID GID b|c MAJ MIN  a block or character device
//   pipe  NAME MODE UID GID
//
// MODE is octal permission bits; NAME may start with '/' (it is stored
// relative, as the kernel expects). gen_init_cpio's `sock` entries and
// extra hard-link names are refused: nothing of ours needs them, and a
// silent difference would be worse than an error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "builder/cpio/cpio_writer.h"

namespace tinyrange {

// A spec error, with "SPEC:LINE: " in front of what is wrong.
class CpioSpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class CpioSpecKind { kFile, kDirectory, kSymlink, kCharDevice, kBlockDevice, kFifo };

struct CpioSpecEntry {
  CpioSpecKind kind = CpioSpecKind::kFile;
  std::string name;    // relative
  std::string source;  // kFile: the host file; kSymlink: the link's target
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t major = 0;
  uint32_t minor = 0;
  int line = 0;
};

// Parses a whole spec; `origin` names it in errors (a file name).
std::vector<CpioSpecEntry> ParseCpioSpec(std::string_view text, std::string_view origin);

// Adds the entries in order. Errors (a missing host file, a bad name) are
// CpioSpecError naming the spec line.
void WriteCpioSpec(const std::vector<CpioSpecEntry>& entries, std::string_view origin, CpioWriter* writer);

}  // namespace tinyrange
