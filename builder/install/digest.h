// The digests the package databases record (MD5 for dpkg's conffiles,
// SHA-1 for apk's file checksums; SHA-256 for callers' cache keys) and
// their spellings, through OpenSSL.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tinyrange::install {

enum class DigestKind { kMd5, kSha1, kSha256 };

class Digest {
 public:
  explicit Digest(DigestKind kind);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  void Update(const void* data, size_t size);
  // The raw digest; the object cannot be updated afterwards.
  std::string Finish();

 private:
  void* ctx_;
};

std::string DigestOf(DigestKind kind, std::string_view data);
std::string HexOf(std::string_view bytes);
// apk's spelling of a SHA-1: "Q1" and standard base64.
std::string ApkQ1(std::string_view sha1);

}  // namespace tinyrange::install
