#include "vmm/arch/x86_64/bzimage_payload.h"

#include <gtest/gtest.h>
#include <lz4.h>
#include <lzma.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "vmm/arch/x86_64/kernel_loader.h"
#include "vmm/arch/x86_64/test_images.h"
#include "vmm/vmm_error.h"

namespace tinyrange::x86 {
namespace {

std::vector<uint8_t> Gzip(const std::vector<uint8_t>& in) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::vector<uint8_t> out(deflateBound(&z, in.size()) + 32);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::vector<uint8_t> Xz(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out(lzma_stream_buffer_bound(in.size()));
  size_t pos = 0;
  lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nullptr, in.data(), in.size(), out.data(), &pos, out.size());
  out.resize(pos);
  return out;
}

std::vector<uint8_t> Zstd(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out(ZSTD_compressBound(in.size()));
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

// The kernel's LZ4 legacy frame: magic, then (size, block) pairs.
std::vector<uint8_t> Lz4Legacy(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out = {0x02, 0x21, 0x4c, 0x18};
  std::vector<char> block(static_cast<size_t>(LZ4_compressBound(static_cast<int>(in.size()))));
  int n = LZ4_compress_default(reinterpret_cast<const char*>(in.data()), block.data(), static_cast<int>(in.size()),
                               static_cast<int>(block.size()));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(static_cast<uint32_t>(n) >> (8 * i)));
  out.insert(out.end(), block.begin(), block.begin() + n);
  return out;
}

// A bzImage whose payload is `compressed` followed, as in the kernel's
// build, by the 4-byte uncompressed size.
std::vector<uint8_t> WithPayload(const std::vector<uint8_t>& compressed, uint32_t size) {
  auto image = testing::MakeBzImage(0x020f, XLF_KERNEL_64, 0x100);
  uint32_t offset = static_cast<uint32_t>(image.size() - 0x400);
  image.insert(image.end(), compressed.begin(), compressed.end());
  for (int i = 0; i < 4; ++i) image.push_back(static_cast<uint8_t>(size >> (8 * i)));
  uint32_t length = static_cast<uint32_t>(compressed.size() + 4);
  std::memcpy(image.data() + 0x248, &offset, 4);
  std::memcpy(image.data() + 0x24c, &length, 4);
  return image;
}

TEST(BzImagePayloadTest, DecompressesEveryMethod) {
  std::vector<uint8_t> elf = testing::MakeElf();
  struct Case {
    std::vector<uint8_t> compressed;
    PayloadCompression expected;
  } cases[] = {{Gzip(elf), PayloadCompression::kGzip},
               {Xz(elf), PayloadCompression::kXz},
               {Zstd(elf), PayloadCompression::kZstd},
               {Lz4Legacy(elf), PayloadCompression::kLz4Legacy}};
  for (const auto& c : cases) {
    auto image = WithPayload(c.compressed, static_cast<uint32_t>(elf.size()));
    BzImagePayload p = FindBzImagePayload(image, "k");
    EXPECT_EQ(p.compression, c.expected);
    EXPECT_EQ(DecompressPayload(p, "k"), elf);
  }
}

TEST(BzImagePayloadTest, CorruptPayloadIsAnError) {
  std::vector<uint8_t> elf = testing::MakeElf();
  auto compressed = Xz(elf);
  compressed[compressed.size() / 2] ^= 0xff;
  auto image = WithPayload(compressed, static_cast<uint32_t>(elf.size()));
  BzImagePayload p = FindBzImagePayload(image, "k");
  EXPECT_THROW(DecompressPayload(p, "k"), VmmError);
  // Truncated gzip: half the stream.
  auto gz = Gzip(elf);
  gz.resize(gz.size() / 2);
  auto truncated = WithPayload(gz, 0);
  BzImagePayload t = FindBzImagePayload(truncated, "k");
  t.data = t.data.subspan(0, gz.size());
  EXPECT_THROW(DecompressPayload(t, "k"), VmmError);
}

TEST(BzImagePayloadTest, PayloadOutsideFileIsAnError) {
  auto image = WithPayload(Gzip(testing::MakeElf()), 0);
  uint32_t length = 0x7fffffff;
  std::memcpy(image.data() + 0x24c, &length, 4);
  EXPECT_THROW(FindBzImagePayload(image, "k"), VmmError);
}

TEST(BzImagePayloadTest, CachesTheDecompressedVmlinux) {
  std::string dir = ::testing::TempDir() + "/bzimage_cache_" + std::to_string(getpid());
  std::string kernel = dir + "-bzImage";
  auto elf = testing::MakeElf();
  auto image = WithPayload(Zstd(elf), static_cast<uint32_t>(elf.size()));
  std::ofstream(kernel, std::ios::binary).write(reinterpret_cast<const char*>(image.data()),
                                                static_cast<std::streamsize>(image.size()));
  // A bzImage changed in the last 100 ms is not given a stat record (file
  // times are coarse); wait that out so the second call can use one.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  std::string first = CachedVmlinuxFor(kernel, dir);
  ASSERT_FALSE(first.empty());
  std::ifstream in(first, std::ios::binary);
  std::vector<uint8_t> cached((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(cached, elf);
  EXPECT_TRUE(ElfHasPvhEntry(cached, first));
  EXPECT_EQ(CachedVmlinuxFor(kernel, dir), first);  // second call hits the cache
  // Only the final files are left, the vmlinux and its stat record: no
  // temporaries.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 2u);
  std::filesystem::remove_all(dir);
  std::filesystem::remove(kernel);
}

TEST(BzImagePayloadTest, RewrittenBzImageIsDecompressedAgain) {
  std::string dir = ::testing::TempDir() + "/bzimage_rewrite_" + std::to_string(getpid());
  std::string kernel = dir + "-bzImage";
  auto write = [&](const std::vector<uint8_t>& elf) {
    auto image = WithPayload(Zstd(elf), static_cast<uint32_t>(elf.size()));
    std::ofstream(kernel, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  };
  testing::ElfOptions first_options;
  auto first_elf = testing::MakeElf(first_options);
  write(first_elf);
  std::string first = CachedVmlinuxFor(kernel, dir);
  ASSERT_FALSE(first.empty());
  // Same size, different bytes, written in place: the stat record of the
  // old contents must not be used for the new ones.
  auto second_elf = first_elf;
  second_elf.back() ^= 0xff;
  write(second_elf);
  std::string second = CachedVmlinuxFor(kernel, dir);
  ASSERT_FALSE(second.empty());
  EXPECT_NE(second, first);
  std::ifstream in(second, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::string s = bytes.str();
  EXPECT_EQ(std::vector<uint8_t>(s.begin(), s.end()), second_elf);
  std::filesystem::remove_all(dir);
  std::filesystem::remove(kernel);
}

TEST(BzImagePayloadTest, VmlinuxWithoutPvhNoteIsNotCached) {
  std::string dir = ::testing::TempDir() + "/bzimage_nopvh_" + std::to_string(getpid());
  std::string kernel = dir + "-bzImage";
  testing::ElfOptions options;
  options.pvh_note = false;
  auto elf = testing::MakeElf(options);
  auto image = WithPayload(Gzip(elf), static_cast<uint32_t>(elf.size()));
  std::ofstream(kernel, std::ios::binary).write(reinterpret_cast<const char*>(image.data()),
                                                static_cast<std::streamsize>(image.size()));
  EXPECT_EQ(CachedVmlinuxFor(kernel, dir), "");
  EXPECT_FALSE(std::filesystem::exists(dir));
  std::filesystem::remove(kernel);
}

}  // namespace
}  // namespace tinyrange::x86
