// Little-endian appends into a byte vector. ACPI tables and AML are
// little-endian whatever the host, so every multi-byte field goes through
// here instead of memcpy'ing host integers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tinyrange::acpi {

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(std::vector<uint8_t> initial) : bytes_(std::move(initial)) {}

  void U8(uint8_t v) { bytes_.push_back(v); }
  void U16(uint16_t v) { Le(v, 2); }
  void U32(uint32_t v) { Le(v, 4); }
  void U64(uint64_t v) { Le(v, 8); }
  void Bytes(std::span<const uint8_t> data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }
  // Copies exactly `width` characters, padding with `pad` (fixed-width ASCII
  // fields such as signatures and OEM IDs are not NUL-terminated).
  void Chars(std::string_view text, size_t width, char pad = ' ') {
    for (size_t i = 0; i < width; ++i) bytes_.push_back(static_cast<uint8_t>(i < text.size() ? text[i] : pad));
  }
  void Zeros(size_t count) { bytes_.insert(bytes_.end(), count, 0); }

  // Overwrites an already written field.
  void Patch8(size_t offset, uint8_t v) { bytes_.at(offset) = v; }
  void Patch32(size_t offset, uint32_t v) {
    for (size_t i = 0; i < 4; ++i) bytes_.at(offset + i) = static_cast<uint8_t>(v >> (8 * i));
  }

  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> Take() { return std::move(bytes_); }

 private:
  void Le(uint64_t v, size_t width) {
    for (size_t i = 0; i < width; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }

  std::vector<uint8_t> bytes_;
};

}  // namespace tinyrange::acpi
