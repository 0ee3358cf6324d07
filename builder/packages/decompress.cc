#include "builder/packages/decompress.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace tinyrange::packages {
namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::optional<std::string> ReadAll(archive* a, const std::string& name, std::string* error, uint64_t max_bytes) {
  auto fail = [&](const std::string& why) -> std::optional<std::string> {
    if (error) *error = name + ": " + why;
    return std::nullopt;
  };
  archive_entry* entry = nullptr;
  if (archive_read_next_header(a, &entry) != ARCHIVE_OK) {
    const char* why = archive_error_string(a);
    return fail(why ? why : "cannot be read");
  }
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    la_ssize_t n = archive_read_data(a, buffer, sizeof buffer);
    if (n < 0) {
      const char* why = archive_error_string(a);
      return fail(std::string("corrupt or truncated: ") + (why ? why : "read error"));
    }
    if (n == 0) break;
    if (out.size() + static_cast<uint64_t>(n) > max_bytes) {
      return fail("decompresses to more than " + std::to_string(max_bytes >> 20) + " MiB");
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

std::unique_ptr<archive, ArchiveCloser> RawReader() {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  return a;
}

}  // namespace

std::optional<std::string> DecompressBuffer(std::string_view data, const std::string& name, std::string* error,
                                            uint64_t max_bytes) {
  if (data.empty()) return std::string();
  auto a = RawReader();
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
    if (error) *error = name + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "cannot be read");
    return std::nullopt;
  }
  return ReadAll(a.get(), name, error, max_bytes);
}

std::optional<std::string> DecompressFile(const std::string& path, std::string* error, uint64_t max_bytes) {
  auto a = RawReader();
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    if (error) *error = path + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "cannot be opened");
    return std::nullopt;
  }
  return ReadAll(a.get(), path, error, max_bytes);
}

}  // namespace tinyrange::packages
