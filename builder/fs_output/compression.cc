#include "builder/fs_output/compression.h"

#include <errno.h>
#include <lzma.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <functional>
#include <vector>

#include "builder/fs_output/fs_tree.h"

namespace tinyrange::fs_output {

namespace {
constexpr size_t kOutChunk = 256 * 1024;
}

const char* CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kXz:
      return "xz";
  }
  return "unknown";
}

std::optional<Compression> ParseCompression(std::string_view name) {
  if (name == "none" || name.empty()) return Compression::kNone;
  if (name == "gzip" || name == "gz") return Compression::kGzip;
  if (name == "zstd" || name == "zst") return Compression::kZstd;
  if (name == "xz") return Compression::kXz;
  return std::nullopt;
}

const char* CompressionSuffix(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "";
    case Compression::kGzip:
      return ".gz";
    case Compression::kZstd:
      return ".zst";
    case Compression::kXz:
      return ".xz";
  }
  return "";
}

// One codec per algorithm behind one interface: Process() consumes input
// (or, with `finish`, flushes everything) and hands output to `emit`.
class CompressedWriter::Codec {
 public:
  using Emit = std::function<void(const char*, size_t)>;
  virtual ~Codec() = default;
  virtual void Process(std::string_view input, bool finish, const Emit& emit) = 0;
};

namespace {

class StoreCodec : public CompressedWriter::Codec {
 public:
  void Process(std::string_view input, bool, const Emit& emit) override {
    if (!input.empty()) emit(input.data(), input.size());
  }
};

class GzipCodec : public CompressedWriter::Codec {
 public:
  GzipCodec(int level, const std::string& what) : what_(what) {
    // windowBits 15 + 16: a gzip wrapper; zlib writes mtime 0, no name, and
    // the OS byte of the build host (3, Unix, on Linux).
    if (deflateInit2(&stream_, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw FsOutputError(what + ": cannot start gzip compression (level " + std::to_string(level) + ")");
    }
  }
  ~GzipCodec() override { deflateEnd(&stream_); }
  void Process(std::string_view input, bool finish, const Emit& emit) override {
    std::vector<unsigned char> out(kOutChunk);
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uInt>(input.size());
    int flush = finish ? Z_FINISH : Z_NO_FLUSH;
    while (true) {
      stream_.next_out = out.data();
      stream_.avail_out = static_cast<uInt>(out.size());
      int rc = deflate(&stream_, flush);
      if (rc == Z_STREAM_ERROR) throw FsOutputError(what_ + ": gzip compression failed");
      size_t produced = out.size() - stream_.avail_out;
      if (produced > 0) emit(reinterpret_cast<const char*>(out.data()), produced);
      if (finish ? rc == Z_STREAM_END : (stream_.avail_in == 0 && stream_.avail_out != 0)) break;
    }
  }

 private:
  z_stream stream_{};
  std::string what_;
};

class ZstdCodec : public CompressedWriter::Codec {
 public:
  ZstdCodec(int level, const std::string& what) : what_(what), stream_(ZSTD_createCCtx()) {
    if (stream_ == nullptr) throw FsOutputError(what + ": cannot start zstd compression");
    Check(ZSTD_CCtx_setParameter(stream_, ZSTD_c_compressionLevel, level));
    // A checksum lets a reader detect corruption; single-threaded for
    // byte-identical output.
    Check(ZSTD_CCtx_setParameter(stream_, ZSTD_c_checksumFlag, 1));
  }
  ~ZstdCodec() override { ZSTD_freeCCtx(stream_); }
  void Process(std::string_view input, bool finish, const Emit& emit) override {
    std::vector<char> out(kOutChunk);
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    while (true) {
      ZSTD_outBuffer buffer{out.data(), out.size(), 0};
      size_t remaining = Check(ZSTD_compressStream2(stream_, &buffer, &in, finish ? ZSTD_e_end : ZSTD_e_continue));
      if (buffer.pos > 0) emit(out.data(), buffer.pos);
      if (finish ? remaining == 0 : in.pos == in.size) break;
    }
  }

 private:
  size_t Check(size_t rc) {
    if (ZSTD_isError(rc)) throw FsOutputError(what_ + ": zstd compression failed: " + ZSTD_getErrorName(rc));
    return rc;
  }
  std::string what_;
  ZSTD_CCtx* stream_;
};

class XzCodec : public CompressedWriter::Codec {
 public:
  XzCodec(int level, const std::string& what) : what_(what) {
    // CRC32: the kernel's xz decoder supports no other check but none.
    if (lzma_easy_encoder(&stream_, static_cast<uint32_t>(level), LZMA_CHECK_CRC32) != LZMA_OK) {
      throw FsOutputError(what + ": cannot start xz compression (level " + std::to_string(level) + ")");
    }
  }
  ~XzCodec() override { lzma_end(&stream_); }
  void Process(std::string_view input, bool finish, const Emit& emit) override {
    std::vector<uint8_t> out(kOutChunk);
    stream_.next_in = reinterpret_cast<const uint8_t*>(input.data());
    stream_.avail_in = input.size();
    while (true) {
      stream_.next_out = out.data();
      stream_.avail_out = out.size();
      lzma_ret rc = lzma_code(&stream_, finish ? LZMA_FINISH : LZMA_RUN);
      if (rc != LZMA_OK && rc != LZMA_STREAM_END) {
        throw FsOutputError(what_ + ": xz compression failed (liblzma error " + std::to_string(rc) + ")");
      }
      size_t produced = out.size() - stream_.avail_out;
      if (produced > 0) emit(reinterpret_cast<const char*>(out.data()), produced);
      if (finish ? rc == LZMA_STREAM_END : (stream_.avail_in == 0 && stream_.avail_out != 0)) break;
    }
  }

 private:
  std::string what_;
  lzma_stream stream_ = LZMA_STREAM_INIT;
};

}  // namespace

CompressedWriter::CompressedWriter(int fd, Compression compression, int level, std::string what)
    : fd_(fd), what_(std::move(what)) {
  switch (compression) {
    case Compression::kNone:
      codec_ = std::make_unique<StoreCodec>();
      break;
    case Compression::kGzip:
      codec_ = std::make_unique<GzipCodec>(level < 0 ? 9 : level, what_);
      break;
    case Compression::kZstd:
      codec_ = std::make_unique<ZstdCodec>(level < 0 ? 19 : level, what_);
      break;
    case Compression::kXz:
      codec_ = std::make_unique<XzCodec>(level < 0 ? 6 : level, what_);
      break;
  }
}

CompressedWriter::~CompressedWriter() = default;

void CompressedWriter::WriteRaw(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FsOutputError("cannot write " + what_ + ": " + std::strerror(errno));
    data += n;
    size -= static_cast<size_t>(n);
  }
}

void CompressedWriter::Write(std::string_view bytes) {
  if (finished_) throw FsOutputError(what_ + ": written after it was finished");
  bytes_in_ += bytes.size();
  codec_->Process(bytes, false, [this](const char* data, size_t size) { WriteRaw(data, size); });
}

void CompressedWriter::Finish() {
  if (finished_) return;
  finished_ = true;
  codec_->Process({}, true, [this](const char* data, size_t size) { WriteRaw(data, size); });
}

}  // namespace tinyrange::fs_output
