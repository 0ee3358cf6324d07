#include "builder/archive/libarchive_input.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>

#include "builder/archive/archive_format.h"

namespace tinyrange::archive::internal {

LibarchiveInput::LibarchiveInput(InputFormats formats, std::string label)
    : archive_(archive_read_new()), label_(std::move(label)) {
  if (!archive_) throw ArchiveError(label_ + ": cannot create a libarchive reader");
  switch (formats) {
    case InputFormats::kPlain:
      archive_read_support_format_tar(archive_);
      archive_read_support_format_gnutar(archive_);
      archive_read_support_format_cpio(archive_);
      archive_read_support_format_zip(archive_);
      archive_read_support_format_7zip(archive_);
      archive_read_support_format_iso9660(archive_);
      archive_read_support_format_xar(archive_);
      break;
    case InputFormats::kTar:
      archive_read_support_format_tar(archive_);
      archive_read_support_format_gnutar(archive_);
      break;
    case InputFormats::kAr:
      archive_read_support_format_ar(archive_);
      break;
  }
  // Named filters rather than "all": "all" includes filters that run
  // external programs (lrzip, grzip) when no library is linked.
  if (formats != InputFormats::kAr) {
    archive_read_support_filter_gzip(archive_);
    archive_read_support_filter_bzip2(archive_);
    archive_read_support_filter_xz(archive_);
    archive_read_support_filter_lzma(archive_);
    archive_read_support_filter_lzip(archive_);
    archive_read_support_filter_zstd(archive_);
    archive_read_support_filter_compress(archive_);
  }
}

LibarchiveInput::~LibarchiveInput() { archive_read_free(archive_); }

void LibarchiveInput::Fail(const std::string& what) const {
  const char* detail = archive_error_string(archive_);
  throw ArchiveError(label_ + ": " + what + (detail ? std::string(": ") + detail : std::string()));
}

void LibarchiveInput::OpenFile(const std::filesystem::path& path) {
  if (archive_read_open_filename(archive_, path.c_str(), 64 * 1024) != ARCHIVE_OK) Fail("cannot open");
}

void LibarchiveInput::OpenMemory(std::string_view data) {
  if (archive_read_open_memory(archive_, data.data(), data.size()) != ARCHIVE_OK) Fail("cannot open");
}

void LibarchiveInput::OpenStdioFile(FILE* file) {
  if (archive_read_open_FILE(archive_, file) != ARCHIVE_OK) Fail("cannot open");
}

long LibarchiveInput::ReadEntryData(struct archive* a, void* client, const void** buffer) {
  auto* self = static_cast<LibarchiveInput*>(client);
  la_ssize_t n = archive_read_data(self->outer_->archive_, self->nested_buffer_.data(), self->nested_buffer_.size());
  if (n < 0) {
    const char* detail = archive_error_string(self->outer_->archive_);
    archive_set_error(a, EIO, "reading %s: %s", self->outer_->label_.c_str(), detail ? detail : "unknown error");
    return -1;
  }
  *buffer = self->nested_buffer_.data();
  return static_cast<long>(n);
}

void LibarchiveInput::OpenEntryData(LibarchiveInput& outer) {
  outer_ = &outer;
  nested_buffer_.resize(64 * 1024);
  if (archive_read_open(archive_, this, nullptr, &LibarchiveInput::ReadEntryData, nullptr) != ARCHIVE_OK) {
    Fail("cannot open");
  }
}

struct archive_entry* LibarchiveInput::Next() {
  struct archive_entry* entry = nullptr;
  int r = archive_read_next_header(archive_, &entry);
  if (r == ARCHIVE_EOF) return nullptr;
  // A warning (an unknown pax keyword, say) still gives a usable entry.
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) Fail("cannot read the next entry");
  return entry;
}

size_t LibarchiveInput::ReadData(char* buffer, size_t capacity) {
  la_ssize_t n = archive_read_data(archive_, buffer, capacity);
  if (n < 0) Fail("cannot read entry data");
  return static_cast<size_t>(n);
}

std::string LibarchiveInput::ReadAllData(size_t limit) {
  std::string data;
  char chunk[64 * 1024];
  for (;;) {
    size_t n = ReadData(chunk, sizeof chunk);
    if (n == 0) return data;
    if (data.size() + n > limit) {
      throw ArchiveError(label_ + ": an entry has more than " + std::to_string(limit) + " bytes");
    }
    data.append(chunk, n);
  }
}

}  // namespace tinyrange::archive::internal
