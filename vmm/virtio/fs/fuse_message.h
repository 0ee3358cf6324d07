// Parsing a FUSE request's arguments and building its reply, with every
// length checked: the arguments are a copy of the guest's bytes, and each
// Take fails (leaving nothing half-read that matters) rather than read
// past their end.
#pragma once

#include <linux/fuse.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/virtio/fs/fuse_buffers.h"
#include "vmm/virtio/fs/fuse_names.h"

namespace tinyrange::virtio::fs {

class FuseArgs {
 public:
  explicit FuseArgs(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - at_; }

  template <typename T>
  bool Take(T* out) {
    if (remaining() < sizeof(T)) return false;
    std::memcpy(out, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  // A NUL-terminated string of at most `max` bytes before the NUL.
  bool TakeString(std::string* out, size_t max) {
    if (remaining() == 0) return false;
    const uint8_t* start = bytes_.data() + at_;
    const void* nul = std::memchr(start, 0, remaining());
    if (!nul) return false;
    size_t length = static_cast<size_t>(static_cast<const uint8_t*>(nul) - start);
    if (length > max) return false;
    out->assign(reinterpret_cast<const char*>(start), length);
    at_ += length + 1;
    return true;
  }
  // A NUL-terminated directory entry name (fuse_names.h).
  bool TakeName(std::string* out) { return TakeString(out, kMaxNameLength) && IsValidEntryName(*out); }
  bool TakeBytes(size_t n, std::span<const uint8_t>* out) {
    if (remaining() < n) return false;
    *out = bytes_.subspan(at_, n);
    at_ += n;
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t at_ = 0;
};

// A reply body (what follows fuse_out_header). `direct_bytes` counts data
// a handler already put straight into the reply buffers after the header
// (READ); the body is then empty.
struct FuseReply {
  std::vector<uint8_t> body;
  uint64_t direct_bytes = 0;

  template <typename T>
  void Append(const T& value) {
    const auto* p = reinterpret_cast<const uint8_t*>(&value);
    body.insert(body.end(), p, p + sizeof(T));
  }
  void AppendBytes(std::span<const uint8_t> bytes) { body.insert(body.end(), bytes.begin(), bytes.end()); }
};

// One request as a handler sees it: the header, a cursor over a copy of
// its arguments, and the buffers (for data moved without copying).
struct FuseRequest {
  fuse_in_header header;
  FuseArgs args;
  const FuseBuffers& buffers;
};

}  // namespace tinyrange::virtio::fs
