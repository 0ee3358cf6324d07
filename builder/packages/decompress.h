// Decompresses a whole buffer or file whatever its compression (xz, gzip,
// bzip2, zstd, lz4, or none), through libarchive's raw reader: Debian
// indexes come as Packages.xz/.gz, apt's own lists as .lz4, Alpine's as
// gzip.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinyrange::packages {

// Returns the decompressed bytes, or nullopt with *error naming `name`.
// Output is capped at `max_bytes` so a hostile file cannot exhaust memory.
std::optional<std::string> DecompressBuffer(std::string_view data, const std::string& name, std::string* error,
                                            uint64_t max_bytes = 4ULL << 30);
std::optional<std::string> DecompressFile(const std::string& path, std::string* error, uint64_t max_bytes = 4ULL << 30);

}  // namespace tinyrange::packages
