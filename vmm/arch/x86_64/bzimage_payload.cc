#include "vmm/arch/x86_64/bzimage_payload.h"

#include <fcntl.h>
#include <lz4.h>
#include <lzma.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <asm/bootparam.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "vmm/arch/x86_64/kernel_loader.h"
#include "vmm/read_file.h"
#include "vmm/vmm_error.h"

namespace tinyrange::x86 {

namespace {

constexpr size_t kChunk = 1 << 20;

[[noreturn]] void Fail(const std::string& name, const std::string& problem) {
  throw VmmError("kernel " + name + ": " + problem);
}

void Grow(std::vector<uint8_t>& out, size_t used, uint64_t max, const std::string& name) {
  if (used + kChunk > max) Fail(name, "decompressed payload is larger than " + std::to_string(max >> 20) + " MiB");
  out.resize(used + kChunk);
}

std::vector<uint8_t> Gunzip(std::span<const uint8_t> in, const std::string& name, uint64_t max) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) Fail(name, "zlib initialisation failed");
  std::vector<uint8_t> out;
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  size_t used = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    Grow(out, used, max, name);
    z.next_out = out.data() + used;
    z.avail_out = kChunk;
    rc = inflate(&z, Z_NO_FLUSH);
    used = out.size() - z.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      Fail(name, "corrupt gzip payload");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      Fail(name, "truncated gzip payload");
    }
  }
  inflateEnd(&z);
  out.resize(used);
  return out;
}

std::vector<uint8_t> Unxz(std::span<const uint8_t> in, const std::string& name, uint64_t max) {
  lzma_stream s = LZMA_STREAM_INIT;
  // The kernel's xz payload uses only CRC32 or no check; trailing bytes
  // (the appended size) follow the stream and are ignored.
  if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) Fail(name, "liblzma initialisation failed");
  std::vector<uint8_t> out;
  s.next_in = in.data();
  s.avail_in = in.size();
  size_t used = 0;
  lzma_ret rc = LZMA_OK;
  while (rc != LZMA_STREAM_END) {
    Grow(out, used, max, name);
    s.next_out = out.data() + used;
    s.avail_out = kChunk;
    rc = lzma_code(&s, LZMA_RUN);
    used = out.size() - s.avail_out;
    if (rc != LZMA_OK && rc != LZMA_STREAM_END) {
      lzma_end(&s);
      Fail(name, "corrupt xz payload (liblzma error " + std::to_string(rc) + ")");
    }
    if (rc == LZMA_OK && s.avail_in == 0 && s.avail_out != 0) {
      lzma_end(&s);
      Fail(name, "truncated xz payload");
    }
  }
  lzma_end(&s);
  out.resize(used);
  return out;
}

std::vector<uint8_t> Unzstd(std::span<const uint8_t> in, const std::string& name, uint64_t max) {
  ZSTD_DStream* d = ZSTD_createDStream();
  if (!d) Fail(name, "zstd initialisation failed");
  std::vector<uint8_t> out;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t used = 0;
  size_t rc = 1;
  while (rc != 0) {
    Grow(out, used, max, name);
    ZSTD_outBuffer output{out.data() + used, kChunk, 0};
    rc = ZSTD_decompressStream(d, &output, &input);
    used += output.pos;
    if (ZSTD_isError(rc)) {
      ZSTD_freeDStream(d);
      Fail(name, std::string("corrupt zstd payload: ") + ZSTD_getErrorName(rc));
    }
    if (rc != 0 && input.pos == input.size && output.pos < kChunk) {
      ZSTD_freeDStream(d);
      Fail(name, "truncated zstd payload");
    }
  }
  ZSTD_freeDStream(d);
  out.resize(used);
  return out;
}

// The LZ4 "legacy" frame the kernel's build uses: a magic number, then
// blocks of (32-bit compressed size, data), each decompressing to at most
// 8 MiB. The payload ends with the 4-byte uncompressed size the kernel
// build appends, which is not a block.
std::vector<uint8_t> Unlz4Legacy(std::span<const uint8_t> in, const std::string& name, uint64_t max) {
  constexpr uint32_t kMagic = 0x184c2102;
  constexpr size_t kMaxBlock = 8 << 20;
  auto u32 = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, in.data() + at, 4);
    return v;
  };
  if (in.size() < 4 || u32(0) != kMagic) Fail(name, "not an LZ4 legacy payload");
  std::vector<uint8_t> out;
  size_t pos = 4;
  while (in.size() - pos >= 4) {
    uint32_t size = u32(pos);
    pos += 4;
    if (pos == in.size()) break;  // the appended uncompressed size
    if (size == kMagic) continue;  // concatenated frames
    if (size > in.size() - pos || size > static_cast<uint32_t>(LZ4_compressBound(kMaxBlock))) Fail(name, "truncated LZ4 payload");
    if (out.size() + kMaxBlock > max) Fail(name, "decompressed payload is larger than " + std::to_string(max >> 20) + " MiB");
    size_t used = out.size();
    out.resize(used + kMaxBlock);
    int n = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data() + pos), reinterpret_cast<char*>(out.data() + used),
                                static_cast<int>(size), static_cast<int>(kMaxBlock));
    if (n < 0) Fail(name, "corrupt LZ4 payload");
    out.resize(used + static_cast<size_t>(n));
    pos += size;
  }
  return out;
}

std::string Sha256Hex(std::span<const uint8_t> data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr)) {
    throw VmmError("SHA-256 failed");
  }
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}


}  // namespace

BzImagePayload FindBzImagePayload(std::span<const uint8_t> bzimage, const std::string& name) {
  if (DetectKernelFormat(bzimage) != KernelFormat::kBzImage || bzimage.size() < 0x1f1 + sizeof(setup_header)) {
    Fail(name, "is not a bzImage");
  }
  setup_header h;
  std::memcpy(&h, bzimage.data() + 0x1f1, sizeof h);
  if (h.version < 0x0208 || h.payload_length == 0) return {};
  uint64_t setup_sects = h.setup_sects == 0 ? 4 : h.setup_sects;
  uint64_t start = (setup_sects + 1) * 512 + h.payload_offset;
  if (start > bzimage.size() || h.payload_length > bzimage.size() - start) {
    Fail(name, "payload_offset/payload_length point outside the file");
  }
  BzImagePayload p;
  p.data = bzimage.subspan(start, h.payload_length);
  static const uint8_t kGzip[] = {0x1f, 0x8b};
  static const uint8_t kXz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
  static const uint8_t kZstd[] = {0x28, 0xb5, 0x2f, 0xfd};
  static const uint8_t kLz4Legacy[] = {0x02, 0x21, 0x4c, 0x18};
  auto starts = [&](const uint8_t* magic, size_t n) {
    return p.data.size() >= n && std::memcmp(p.data.data(), magic, n) == 0;
  };
  if (starts(kGzip, sizeof kGzip)) {
    p.compression = PayloadCompression::kGzip;
  } else if (starts(kXz, sizeof kXz)) {
    p.compression = PayloadCompression::kXz;
  } else if (starts(kZstd, sizeof kZstd)) {
    p.compression = PayloadCompression::kZstd;
  } else if (starts(kLz4Legacy, sizeof kLz4Legacy)) {
    p.compression = PayloadCompression::kLz4Legacy;
  }
  return p;
}

std::vector<uint8_t> DecompressPayload(const BzImagePayload& payload, const std::string& name, uint64_t max) {
  switch (payload.compression) {
    case PayloadCompression::kGzip: return Gunzip(payload.data, name, max);
    case PayloadCompression::kXz: return Unxz(payload.data, name, max);
    case PayloadCompression::kZstd: return Unzstd(payload.data, name, max);
    case PayloadCompression::kLz4Legacy: return Unlz4Legacy(payload.data, name, max);
    case PayloadCompression::kUnsupported: break;
  }
  Fail(name, "payload compression is not gzip, xz, zstd or lz4");
}

std::string DefaultVmlinuxCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  std::string base;
  if (xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = std::string(home) + "/.cache";
  } else {
    base = "/tmp";
  }
  return base + "/tinyrange/vmlinux";
}

namespace {

// Writes `bytes` under a unique temporary name, then renames it to `path`:
// readers never see a partial file, and concurrent writers of the same
// content leave the same bytes.
void WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::remove(tmp.c_str());
      throw VmmError("cannot write " + tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    ThrowErrno("cannot move " + tmp + " into place");
  }
}

// Names the bzImage's current contents without reading them: device, inode,
// size, mtime and ctime. Every write to a file moves its ctime, which no
// user can set back, so an equal key means the contents are those hashed
// when the key was recorded.
std::string StatKey(const struct stat& st) {
  char key[160];
  std::snprintf(key, sizeof key, "stat-%llx-%llx-%llx-%lld.%09ld-%lld.%09ld", static_cast<unsigned long long>(st.st_dev),
                static_cast<unsigned long long>(st.st_ino), static_cast<unsigned long long>(st.st_size),
                static_cast<long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec, static_cast<long long>(st.st_ctim.tv_sec),
                st.st_ctim.tv_nsec);
  return key;
}

// The cached vmlinux a stat key was recorded for, or "" if there is none.
std::string LookUpByStat(const std::string& stat_path, const std::string& cache_dir) {
  std::ifstream in(stat_path);
  std::string hash;
  if (!(in >> hash) || hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string::npos) return "";
  std::string path = cache_dir + "/" + hash + ".elf";
  return access(path.c_str(), R_OK) == 0 ? path : "";
}

// File times advance in coarse ticks (a jiffy, up to 10 ms), so a file
// rewritten within one tick of the read keeps its key. A file changed that
// recently is not recorded; it is hashed again next time instead.
bool ChangedTooRecently(const struct stat& st) {
  timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  int64_t age_ns = (static_cast<int64_t>(now.tv_sec) - st.st_ctim.tv_sec) * 1000000000LL + (now.tv_nsec - st.st_ctim.tv_nsec);
  return age_ns < 100 * 1000000LL;
}

}  // namespace

std::string CachedVmlinuxFor(const std::string& bzimage_path, const std::string& cache_dir) {
  // Fast path: a bzImage seen before in this exact state is not read again
  // (Debian's is 8 MB; hashing it cost more than the rest of the set-up).
  struct stat st {};
  std::string stat_path;
  if (stat(bzimage_path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    stat_path = cache_dir + "/" + StatKey(st);
    std::string hit = LookUpByStat(stat_path, cache_dir);
    if (!hit.empty()) return hit;
  }
  std::vector<uint8_t> image = ReadWholeFile(bzimage_path, "kernel");
  std::string hash = Sha256Hex(image);
  std::string path = cache_dir + "/" + hash + ".elf";
  auto remember = [&] {
    // Only if the file did not change while it was read.
    struct stat after {};
    if (stat_path.empty() || stat(bzimage_path.c_str(), &after) != 0 || StatKey(after) != StatKey(st)) return;
    if (ChangedTooRecently(after)) return;
    std::string line = hash + "\n";
    WriteFileAtomically(stat_path, std::span(reinterpret_cast<const uint8_t*>(line.data()), line.size()));
  };
  if (access(path.c_str(), R_OK) == 0) {
    remember();
    return path;
  }
  BzImagePayload payload = FindBzImagePayload(image, bzimage_path);
  if (payload.compression == PayloadCompression::kUnsupported) return "";
  std::vector<uint8_t> vmlinux = DecompressPayload(payload, bzimage_path);
  // Only a vmlinux that can be entered through PVH is worth caching; a
  // cache entry therefore always has the note, and callers need not look.
  if (!ElfHasPvhEntry(vmlinux, bzimage_path + " (decompressed)")) return "";
  std::error_code ec;
  std::filesystem::create_directories(cache_dir, ec);
  if (ec) throw VmmError("cannot create the kernel cache " + cache_dir + ": " + ec.message());
  WriteFileAtomically(path, vmlinux);
  remember();
  return path;
}

}  // namespace tinyrange::x86
