#include "guest-init/sha256.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tinyrange {
namespace {

std::vector<uint8_t> Ours(const std::vector<uint8_t>& data, size_t chunk) {
  Sha256 sha;
  for (size_t at = 0; at < data.size(); at += chunk) {
    sha.Update(data.data() + at, std::min(chunk, data.size() - at));
  }
  std::vector<uint8_t> out(kSha256Size);
  sha.Finish(out.data());
  return out;
}

std::vector<uint8_t> OpenSsl(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(SHA256_DIGEST_LENGTH);
  SHA256(data.data(), data.size(), out.data());
  return out;
}

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> data(n);
  uint32_t x = 12345;
  for (auto& b : data) {
    x = x * 1103515245 + 12345;
    b = static_cast<uint8_t>(x >> 16);
  }
  return data;
}

TEST(Sha256Test, KnownVectorsFromFips180) {
  std::vector<uint8_t> abc = {'a', 'b', 'c'};
  std::vector<uint8_t> d = Ours(abc, 3);
  const uint8_t expected[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  EXPECT_EQ(d, std::vector<uint8_t>(expected, expected + 32));
}

TEST(Sha256Test, MatchesOpenSslAtBlockBoundaries) {
  for (size_t n : {0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 4096}) {
    std::vector<uint8_t> data = Pattern(n);
    for (size_t chunk : {1, 7, 64, 100000}) {
      EXPECT_EQ(Ours(data, chunk), OpenSsl(data)) << "length " << n << " chunk " << chunk;
    }
  }
}

TEST(Sha256Test, MatchesOpenSslOnMegabytes) {
  std::vector<uint8_t> data = Pattern((3u << 20) + 17);
  EXPECT_EQ(Ours(data, 256 * 1024), OpenSsl(data));
  EXPECT_EQ(Ours(data, 4093), OpenSsl(data));
}

}  // namespace
}  // namespace tinyrange
