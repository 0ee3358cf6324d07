// Test fixtures in Alpine's exact on-disk formats: an RSA key pair made
// with openssl, and APKINDEX.tar.gz built the way Alpine's index signing
// builds it (index tar gzipped; its signature in a tar with the end blocks
// cut off, gzipped; the two streams concatenated).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tinyrange::packages::testing {

// Makes an RSA key pair: the private key as DIR/NAME.private, the public
// key as PUBLIC_DIR/NAME (PEM), the way /etc/apk/keys names keys.
// Returns false if openssl failed.
bool MakeRsaKey(const std::string& dir, const std::string& public_dir, const std::string& name);

// A ustar archive of (name, content) entries; `end_blocks` adds the two
// zero blocks that end a tar.
std::string Tar(const std::vector<std::pair<std::string, std::string>>& entries, bool end_blocks);
// gzip -9 -n of `data` (the gzip tool, as Alpine's tools use it).
std::string Gzip(const std::string& data);

struct SignedIndexOptions {
  std::string description = "v3.20.0-0-gexample [example.invalid]";
  bool sha256 = false;  // ".SIGN.RSA256." instead of ".SIGN.RSA." (SHA-1)
  // When set, a signature entry by this (unknown) key comes first.
  std::string decoy_key;
};

// APKINDEX.tar.gz holding `apkindex`, signed with DIR/KEY.private as key
// name KEY.
std::string SignedApkIndex(const std::string& apkindex, const std::string& dir, const std::string& key,
                           const SignedIndexOptions& options = {});

}  // namespace tinyrange::packages::testing
