// The capture disk: how guest-init hands the host an archive of what the
// install scripts changed, so that the next boot of the same plan unpacks
// that archive instead of running the scripts again.
//
// The host attaches a writable, zero-filled virtio-blk disk (its serial is
// the id named by the init config's "capture" key). After the steps ran,
// guest-init writes, all integers little-endian:
//   offset 0     header, 4096 bytes:
//                  char  magic[8]   "TRCAPT01"
//                  u32   version    1
//                  u32   status     CaptureStatus below
//                  u64   length     bytes of the archive that follows
//                  the rest zero
//   offset 4096  a tinyrange archive (builder/archive/archive_format.h) of
//                every path the steps created or changed, in the new root,
//                `length` bytes long
// and flushes the disk before it runs the user's command. When the new
// root has no install steps there is nothing to capture and guest-init
// writes nothing: the disk stays zero (no magic). The host treats
// all of it as untrusted input: it checks the header, bounds `length` by
// the disk size and validates the archive completely before caching it.
#pragma once

#include <cstdint>

namespace tinyrange {

inline constexpr char kCaptureMagic[8] = {'T', 'R', 'C', 'A', 'P', 'T', '0', '1'};
inline constexpr uint32_t kCaptureVersion = 1;
inline constexpr uint64_t kCaptureHeaderSize = 4096;

enum class CaptureStatus : uint32_t {
  // The archive holds the scripts' complete effect.
  kComplete = 0,
  // The scripts removed or replaced with another type a path that an
  // archive had put there; an archive cannot express a removal, so the
  // state is not cacheable and the host will run the scripts next time too.
  // `length` is 0.
  kNotCacheable = 1,
  // The archive did not fit on the disk; `length` is 0.
  kTooLarge = 2,
};

}  // namespace tinyrange
