// Signed Alpine indexes. APKINDEX.tar.gz is two gzip streams back to back:
// first a tar holding only the signature, an entry ".SIGN.RSA.KEYNAME"
// (RSA over SHA-1) or ".SIGN.RSA256.KEYNAME" (RSA over SHA-256), with
// its end-of-archive blocks cut off so the two tars read as one; then the
// index tar (DESCRIPTION, APKINDEX). The signature covers the second
// gzip stream's compressed bytes exactly, so the stream boundary matters.
// KEYNAME is the file name of the signer's PEM public key in the key
// directory (/etc/apk/keys on Alpine). With several signature entries,
// the first whose key is in the directory is the one checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tinyrange::packages {

struct VerifiedApkIndex {
  std::string apkindex;     // the APKINDEX text
  std::string description;  // DESCRIPTION, e.g. the release it belongs to
  std::string key;          // the key name that signed it
};

// Splits, verifies and unpacks `data` (the bytes of APKINDEX.tar.gz);
// `name` names it in errors. A missing or bad signature, a key not in
// `keys_dir`, or a damaged archive is an error saying which.
std::optional<VerifiedApkIndex> VerifyApkIndex(std::string_view data, const std::string& name,
                                               const std::string& keys_dir, std::string* error);

// The length of the first gzip stream in `data` (nullopt if there is no
// complete one within `limit` bytes).
std::optional<size_t> FirstGzipStreamLength(std::string_view data, size_t limit);

}  // namespace tinyrange::packages
