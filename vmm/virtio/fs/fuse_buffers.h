// Where a FUSE request comes from and where its reply goes, independent of
// the transport: a virtio-fs descriptor chain in guest memory, or plain
// byte vectors in tests and the fuzzer. Iovecs lets READ and WRITE move
// file data straight between the host file and the buffers (preadv and
// pwritev), so file data is never copied through the server.
#pragma once

#include <sys/uio.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace tinyrange::virtio::fs {

class FuseBuffers {
 public:
  virtual ~FuseBuffers() = default;
  // Bytes the server may read (the request) and write (the reply).
  virtual uint64_t readable_size() const = 0;
  virtual uint64_t writable_size() const = 0;
  // Copies readable bytes [offset, offset + out.size()); false if short.
  virtual bool Read(uint64_t offset, std::span<uint8_t> out) const = 0;
  // Copies into writable bytes [offset, offset + data.size()); false if short.
  virtual bool Write(uint64_t offset, std::span<const uint8_t> data) const = 0;
  // iovecs over readable (or writable) bytes [offset, offset + length).
  virtual bool Iovecs(bool writable, uint64_t offset, uint64_t length, std::vector<iovec>* out) const = 0;
};

// A request held in one byte vector and a reply area in another.
class ByteFuseBuffers : public FuseBuffers {
 public:
  ByteFuseBuffers(std::vector<uint8_t> request, size_t reply_room)
      : request_(std::move(request)), reply_(reply_room, 0) {}

  const std::vector<uint8_t>& reply() const { return reply_; }

  uint64_t readable_size() const override { return request_.size(); }
  uint64_t writable_size() const override { return reply_.size(); }
  bool Read(uint64_t offset, std::span<uint8_t> out) const override {
    if (offset > request_.size() || out.size() > request_.size() - offset) return false;
    std::copy_n(request_.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
    return true;
  }
  bool Write(uint64_t offset, std::span<const uint8_t> data) const override {
    if (offset > reply_.size() || data.size() > reply_.size() - offset) return false;
    std::copy(data.begin(), data.end(), reply_.begin() + static_cast<std::ptrdiff_t>(offset));
    return true;
  }
  bool Iovecs(bool writable, uint64_t offset, uint64_t length, std::vector<iovec>* out) const override {
    // iovec has no const variant; the server only reads request iovecs.
    auto& bytes = writable ? reply_ : const_cast<std::vector<uint8_t>&>(request_);
    out->clear();
    if (offset > bytes.size() || length > bytes.size() - offset) return false;
    if (length > 0) out->push_back({bytes.data() + offset, static_cast<size_t>(length)});
    return true;
  }

 private:
  std::vector<uint8_t> request_;
  mutable std::vector<uint8_t> reply_;
};

}  // namespace tinyrange::virtio::fs
