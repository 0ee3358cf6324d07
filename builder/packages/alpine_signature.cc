#include "builder/packages/alpine_signature.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "builder/download/cache_file.h"
#include "builder/packages/decompress.h"

namespace tinyrange::packages {
namespace {

// Tar entries of an uncompressed tar, read by hand: the signature tar has
// no end-of-archive blocks, which a strict reader reports as truncation.
std::vector<std::pair<std::string, std::string>> TarEntries(std::string_view tar) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos + 512 <= tar.size()) {
    std::string_view header = tar.substr(pos, 512);
    if (header[0] == '\0') break;  // an end-of-archive block
    std::string entry_name(header.substr(0, 100).data(), strnlen(header.data(), 100));
    uint64_t size = 0;
    for (size_t i = 124; i < 136 && header[i] >= '0' && header[i] <= '7'; ++i) size = size * 8 + (header[i] - '0');
    pos += 512;
    if (size > tar.size() - pos) break;  // cut off: keep what was complete
    char type = header[156];
    if (type == '0' || type == '\0') out.emplace_back(entry_name, std::string(tar.substr(pos, size)));
    pos += (size + 511) / 512 * 512;
  }
  return out;
}

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// The regular files of a gzip-compressed tar, by name.
std::optional<std::vector<std::pair<std::string, std::string>>> ReadTarGz(std::string_view data, std::string* why) {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
    *why = archive_error_string(a.get()) ? archive_error_string(a.get()) : "not a tar.gz";
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) {
      *why = archive_error_string(a.get()) ? archive_error_string(a.get()) : "damaged tar";
      return std::nullopt;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string content;
    char buffer[1 << 16];
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buffer, sizeof buffer);
      if (n < 0) {
        *why = archive_error_string(a.get()) ? archive_error_string(a.get()) : "damaged data";
        return std::nullopt;
      }
      if (n == 0) break;
      if (content.size() + static_cast<size_t>(n) > (1ULL << 30)) {
        *why = "an entry larger than 1 GiB";
        return std::nullopt;
      }
      content.append(buffer, static_cast<size_t>(n));
    }
    out.emplace_back(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "", std::move(content));
  }
  return out;
}

// Verifies `signature` over `signed_data` with the PEM public key `pem`.
bool RsaVerify(const std::string& pem, const EVP_MD* digest, std::string_view signed_data, std::string_view signature,
               std::string* why) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr, EVP_PKEY_free);
  if (!key) {
    *why = "is not a PEM public key";
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, digest, nullptr, key.get()) != 1 ||
      EVP_DigestVerifyUpdate(ctx.get(), signed_data.data(), signed_data.size()) != 1) {
    *why = "cannot be used to verify";
    return false;
  }
  int r = EVP_DigestVerifyFinal(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
  if (r != 1) {
    *why = "does not verify the signature";
    return false;
  }
  return true;
}

}  // namespace

std::optional<size_t> FirstGzipStreamLength(std::string_view data, size_t limit) {
  // Deflate data ends itself, so the shortest prefix that decompresses
  // without error is exactly the first stream. The next stream must start
  // with a gzip header (1f 8b 08), which leaves only a few prefixes to try.
  limit = std::min(limit, data.size());
  for (size_t end = 18; end + 3 <= data.size() && end <= limit; ++end) {
    if (static_cast<unsigned char>(data[end]) != 0x1f || static_cast<unsigned char>(data[end + 1]) != 0x8b ||
        data[end + 2] != 8) {
      continue;
    }
    std::string ignored;
    if (DecompressBuffer(data.substr(0, end), "", &ignored, 1 << 20)) return end;
  }
  return std::nullopt;
}

std::optional<VerifiedApkIndex> VerifyApkIndex(std::string_view data, const std::string& name,
                                               const std::string& keys_dir, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<VerifiedApkIndex> {
    if (error) *error = name + ": " + why;
    return std::nullopt;
  };
  if (data.size() < 2 || static_cast<unsigned char>(data[0]) != 0x1f || static_cast<unsigned char>(data[1]) != 0x8b) {
    return fail("not a gzip file (an APKINDEX.tar.gz starts with a gzip stream)");
  }
  // A signature stream is well under a kilobyte; 64 KiB is generous.
  auto split = FirstGzipStreamLength(data, 64 << 10);
  if (!split) return fail("has no signature: it is not two gzip streams (signature, then index)");
  std::string why;
  auto signature_tar = DecompressBuffer(data.substr(0, *split), name, &why, 1 << 20);
  if (!signature_tar) return fail("the signature stream cannot be read: " + why);
  // Signature entries in file order; the first whose key is trusted here
  // decides (an index may carry signatures by several keys).
  struct Signature {
    std::string key;
    std::string bytes;
    const EVP_MD* digest;
  };
  std::vector<Signature> signatures;
  for (auto& [entry, content] : TarEntries(*signature_tar)) {
    const std::pair<const char*, const EVP_MD*> kinds[] = {{".SIGN.RSA256.", EVP_sha256()}, {".SIGN.RSA.", EVP_sha1()}};
    for (const auto& [prefix, md] : kinds) {
      if (entry.rfind(prefix, 0) == 0) {
        signatures.push_back({entry.substr(std::string_view(prefix).size()), std::move(content), md});
        break;
      }
    }
  }
  if (signatures.empty()) {
    return fail("has no signature: the first stream holds no .SIGN.RSA.* or .SIGN.RSA256.* entry");
  }
  const Signature* chosen = nullptr;
  std::string key_path, pem, names;
  for (const auto& sig : signatures) {
    // The key name comes from the file; it must stay a plain file name.
    if (sig.key.empty() || sig.key.find('/') != std::string::npos || sig.key == "." || sig.key == "..") {
      return fail("the signature names an invalid key '" + sig.key + "'");
    }
    names += (names.empty() ? "'" : ", '") + sig.key + "'";
    key_path = (std::filesystem::path(keys_dir) / sig.key).string();
    if (download::ReadWholeFile(key_path, &pem)) {
      chosen = &sig;
      break;
    }
  }
  if (!chosen) {
    return fail("signed with key " + names + ", which is not in the key directory " + keys_dir +
                " (add the repository's public key there, or point TR_ALPINE_KEYS / --alpine-keys at a directory "
                "that has it)");
  }
  const std::string& key_name = chosen->key;
  std::string_view index_stream = data.substr(*split);
  if (!RsaVerify(pem, chosen->digest, index_stream, chosen->bytes, &why)) {
    return fail("BAD SIGNATURE: the key '" + key_name + "' (" + key_path + ") " + why +
                "; the index was altered or is not from this repository");
  }
  auto entries = ReadTarGz(index_stream, &why);
  if (!entries) return fail("the signed index cannot be unpacked: " + why);
  VerifiedApkIndex result;
  result.key = key_name;
  bool found = false;
  for (auto& [entry, content] : *entries) {
    if (entry == "APKINDEX") {
      result.apkindex = std::move(content);
      found = true;
    } else if (entry == "DESCRIPTION") {
      result.description = std::move(content);
    }
  }
  if (!found) return fail("the signed index has no APKINDEX entry");
  return result;
}

}  // namespace tinyrange::packages
