// SHA-256 through OpenSSL, incrementally (downloads are hashed as they
// arrive) or in one call.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tinyrange::download {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  // Lower-case hex; the hasher cannot be updated afterwards.
  std::string HexDigest();

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

std::string Sha256Hex(std::string_view data);
// Hashes a file's contents; nullopt if it cannot be read.
std::optional<std::string> Sha256OfFile(const std::string& path);

}  // namespace tinyrange::download
