// SHA-256 (FIPS 180-4), to check the archive disk's parts against the
// digests in its table while they are unpacked.
//
// Our own compact implementation because guest-init is a static PID 1 that
// runs before any library is reachable: the host's libcrypto cannot be
// linked into it, and the function is small. Tested against OpenSSL.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tinyrange {

inline constexpr size_t kSha256Size = 32;

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  // Writes the digest; the object must not be used afterwards.
  void Finish(uint8_t out[kSha256Size]);

 private:
  void Block(const uint8_t* block);

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_ = 0;  // bytes
};

}  // namespace tinyrange
