// libarchive, read side, for the converter (internal to builder/archive):
// one reader object per archive stream, opened on a file, a memory buffer,
// a FILE* positioned inside a file, or the data of another archive's
// current entry (a .deb's data.tar inside its ar). Every failure throws an
// ArchiveError that starts with the reader's label.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

struct archive;
struct archive_entry;

namespace tinyrange::archive::internal {

enum class InputFormats {
  // Archive formats whose readers take everything from the stream. Not
  // mtree, which names host files for its contents, and not "raw".
  kPlain,
  kTar,
  kAr,
};

class LibarchiveInput {
 public:
  LibarchiveInput(InputFormats formats, std::string label);
  ~LibarchiveInput();
  LibarchiveInput(const LibarchiveInput&) = delete;
  LibarchiveInput& operator=(const LibarchiveInput&) = delete;

  void OpenFile(const std::filesystem::path& path);
  // `data` must outlive the reader.
  void OpenMemory(std::string_view data);
  // Reads from the current position of `file` (not closed by the reader).
  void OpenStdioFile(FILE* file);
  // Reads the data of `outer`'s current entry, which must outlive this.
  void OpenEntryData(LibarchiveInput& outer);

  // The next entry's header, or nullptr at the end of the archive.
  struct archive_entry* Next();
  // Up to `capacity` bytes of the current entry's data; 0 at its end.
  size_t ReadData(char* buffer, size_t capacity);
  // The whole data of the current entry; throws if it is over `limit`.
  std::string ReadAllData(size_t limit);

  const std::string& label() const { return label_; }
  [[noreturn]] void Fail(const std::string& what) const;

 private:
  static long ReadEntryData(struct archive* a, void* client, const void** buffer);

  struct archive* archive_;
  std::string label_;
  LibarchiveInput* outer_ = nullptr;
  std::vector<char> nested_buffer_;
};

}  // namespace tinyrange::archive::internal
