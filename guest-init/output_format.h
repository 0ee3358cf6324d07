// The output disk: how a VM run hands one file back to the host
// (define.build_vm's `output`). The host attaches a writable, zero-filled
// virtio-blk disk whose serial the init config's "output" key names; when
// the command has exited with status 0, guest-init writes (integers
// little-endian):
//   offset 0     header, 4096 bytes:
//                  char  magic[8]   "TROUTP01"
//                  u32   version    1
//                  u32   status     OutputStatus below
//                  u64   length     bytes of the file that follow
//                  the rest zero
//   offset 4096  the file's bytes
// and flushes the disk. The host bounds `length` by the disk's size and
// treats the bytes as untrusted.
#pragma once

#include <cstdint>

namespace tinyrange {

inline constexpr char kOutputMagic[8] = {'T', 'R', 'O', 'U', 'T', 'P', '0', '1'};
inline constexpr uint32_t kOutputVersion = 1;
inline constexpr uint64_t kOutputHeaderSize = 4096;

enum class OutputStatus : uint32_t {
  kComplete = 0,    // the file follows
  kMissing = 1,     // the command did not create it (or it is not a regular file)
  kTooLarge = 2,    // it does not fit on the disk
};

}  // namespace tinyrange
