// A whole file mapped read-only, followed by zero bytes, so simdjson can
// parse it in place: it reads up to 64 bytes past the end of its input.
// Mapping (with the pages populated in one call) costs far less than
// read() copying tens of megabytes of record files.
#pragma once

#include <cstddef>
#include <string>

namespace tinyrange::packages {

class MappedFile {
 public:
  static constexpr size_t kPadding = 64;  // SIMDJSON_PADDING

  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Maps `path`; false with *error naming it on failure.
  bool Open(const std::string& path, std::string* error);

  const char* data() const { return static_cast<const char*>(base_); }
  size_t size() const { return size_; }

 private:
  void* base_ = nullptr;
  size_t size_ = 0;
  size_t reserved_ = 0;
};

}  // namespace tinyrange::packages
