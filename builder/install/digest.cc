#include "builder/install/digest.h"

#include <openssl/evp.h>

#include "builder/install/install_error.h"

namespace tinyrange::install {

Digest::Digest(DigestKind kind) : ctx_(EVP_MD_CTX_new()) {
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  const EVP_MD* md = kind == DigestKind::kMd5 ? EVP_md5() : kind == DigestKind::kSha1 ? EVP_sha1() : EVP_sha256();
  if (!ctx || EVP_DigestInit_ex(ctx, md, nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    throw InstallError("cannot start a digest (OpenSSL)");
  }
}

Digest::~Digest() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Digest::Update(const void* data, size_t size) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size); }

std::string Digest::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out, &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

std::string DigestOf(DigestKind kind, std::string_view data) {
  Digest digest(kind);
  digest.Update(data.data(), data.size());
  return digest.Finish();
}

std::string HexOf(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

std::string ApkQ1(std::string_view sha1) {
  std::string out(4 * ((sha1.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(sha1.data()), static_cast<int>(sha1.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return "Q1" + out;
}

}  // namespace tinyrange::install
