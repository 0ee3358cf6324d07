// A growable malloc'ed byte buffer: guest-init's only container. It has no
// exceptions (allocation failure is a false return) and no libstdc++
// runtime, so it links into static guest-init; std::vector would drag in
// the exception machinery for its length errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace tinyrange {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ~ByteBuffer() { free(data_); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }

  // Makes room for `extra` more bytes; false if out of memory.
  bool Reserve(size_t extra) {
    if (extra <= capacity_ - size_) return true;
    if (extra > SIZE_MAX / 2 - size_) return false;
    size_t want = capacity_ < 4096 ? 4096 : capacity_;
    while (want < size_ + extra) want *= 2;
    void* p = realloc(data_, want);
    if (p == nullptr) return false;
    data_ = static_cast<uint8_t*>(p);
    capacity_ = want;
    return true;
  }
  bool Append(const void* bytes, size_t n) {
    if (!Reserve(n)) return false;
    if (n > 0) memcpy(data_ + size_, bytes, n);
    size_ += n;
    return true;
  }
  // Appends n zero bytes.
  bool AppendZeros(size_t n) {
    if (!Reserve(n)) return false;
    memset(data_ + size_, 0, n);
    size_ += n;
    return true;
  }
  // Sets the size to n (<= the current size).
  void Truncate(size_t n) { size_ = n; }
  // Sets the size to n; new bytes are uninitialised. false if out of memory.
  bool Resize(size_t n) {
    if (n > size_ && !Reserve(n - size_)) return false;
    size_ = n;
    return true;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace tinyrange
