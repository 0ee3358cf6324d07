// What the capture disk (capture_format.h) and the output disk
// (output_format.h) share: a 4096-byte header — magic, version, status,
// length, then zeros — in front of what guest-init hands back, written with
// positioned writes that survive short writes and signals.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tinyrange {

inline constexpr uint64_t kResultDiskHeaderSize = 4096;

// Writes all of `data` at `offset`. Returns 0 or an errno value.
int WriteAllAt(int fd, const void* data, size_t size, uint64_t offset);

// Writes the header at offset 0 (not synced). Returns 0 or an errno value.
int WriteResultDiskHeader(int fd, const char (&magic)[8], uint32_t version, uint32_t status, uint64_t length);

}  // namespace tinyrange
