// Deterministic stream compression for the filesystem outputs: the same
// input bytes and options always give the same output bytes. That rules out
// what the command-line tools do by default: gzip stores the input's name
// and mtime in its header (zlib's deflate with a gzip wrapper writes mtime 0
// and no name), and multi-threaded zstd/xz may split work differently, so
// everything here runs single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tinyrange::fs_output {

enum class Compression : uint8_t { kNone, kGzip, kZstd, kXz };

const char* CompressionName(Compression compression);
// "none", "gzip" (or "gz"), "zstd" (or "zst"), "xz"; nullopt otherwise.
std::optional<Compression> ParseCompression(std::string_view name);
// The conventional file name suffix: "", ".gz", ".zst", ".xz".
const char* CompressionSuffix(Compression compression);

// Compresses what is written to it into a file descriptor (not owned).
// Levels: gzip 1..9 (default 9), zstd 1..19 (default 19), xz 0..9 (default
// 6); -1 picks the default. xz output uses the CRC32 check, the one the
// Linux kernel's initramfs decompressor accepts.
class CompressedWriter {
 public:
  // `what` names the output for error messages.
  CompressedWriter(int fd, Compression compression, int level, std::string what);
  ~CompressedWriter();
  CompressedWriter(const CompressedWriter&) = delete;
  CompressedWriter& operator=(const CompressedWriter&) = delete;

  // Throws FsOutputError naming the output.
  void Write(std::string_view bytes);
  // Ends the compressed stream. Nothing may be written after.
  void Finish();

  uint64_t bytes_in() const { return bytes_in_; }

  class Codec;  // one per algorithm, in compression.cc

 private:
  void WriteRaw(const char* data, size_t size);

  int fd_;
  std::string what_;
  std::unique_ptr<Codec> codec_;
  uint64_t bytes_in_ = 0;
  bool finished_ = false;
};

}  // namespace tinyrange::fs_output
