// Host-side decompression of a bzImage's payload (the compressed vmlinux
// ELF inside it), so a kernel can be entered through PVH without running
// its decompressor in the guest: that decompressor is pure CPU work which
// the host does faster, once, and caches by the bzImage's hash.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tinyrange::x86 {

enum class PayloadCompression { kGzip, kXz, kZstd, kLz4Legacy, kUnsupported };

// The compressed payload inside `bzimage` (empty if it has none) and how
// it is compressed. Throws VmmError on a malformed header.
struct BzImagePayload {
  std::span<const uint8_t> data;
  PayloadCompression compression = PayloadCompression::kUnsupported;
};
BzImagePayload FindBzImagePayload(std::span<const uint8_t> bzimage, const std::string& name);

// Decompresses the payload (the uncompressed vmlinux). Output is capped at
// `max_bytes`; throws VmmError on corrupt data or an unsupported method.
std::vector<uint8_t> DecompressPayload(const BzImagePayload& payload, const std::string& name,
                                       uint64_t max_bytes = 512ULL << 20);

// Returns the path of the decompressed vmlinux for `bzimage_path`, from
// `cache_dir` (named by the SHA-256 of the bzImage) or made and stored
// there atomically; only vmlinux files with a PVH entry note are cached.
// A small stat-keyed record (device, inode, size, mtime, ctime -> hash)
// lets later boots of an unchanged bzImage skip reading and hashing it.
// Returns "" if the payload's compression is one we do not decode (bzip2,
// lzma, lzo) or the vmlinux has no PVH note, so the caller can fall back to
// the 64-bit entry.
std::string CachedVmlinuxFor(const std::string& bzimage_path, const std::string& cache_dir);

// $XDG_CACHE_HOME/tinyrange/vmlinux, or ~/.cache/tinyrange/vmlinux.
std::string DefaultVmlinuxCacheDir();

}  // namespace tinyrange::x86
