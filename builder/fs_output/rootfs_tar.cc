#include "builder/fs_output/rootfs_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <exception>
#include <memory>

#include "builder/fs_output/atomic_file.h"

namespace tinyrange::fs_output {

namespace {

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// libarchive calls back into C++ here; exceptions must not cross its C
// frames, so they are kept and rethrown after the call returns.
struct SinkState {
  CompressedWriter* writer;
  std::exception_ptr error;
};

la_ssize_t WriteCallback(struct archive*, void* client, const void* buffer, size_t length) {
  auto* state = static_cast<SinkState*>(client);
  try {
    state->writer->Write(std::string_view(static_cast<const char*>(buffer), length));
  } catch (...) {
    state->error = std::current_exception();
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

unsigned FileType(NodeType type) {
  switch (type) {
    case NodeType::kFile:
      return AE_IFREG;
    case NodeType::kDirectory:
      return AE_IFDIR;
    case NodeType::kSymlink:
      return AE_IFLNK;
    case NodeType::kCharDevice:
      return AE_IFCHR;
    case NodeType::kBlockDevice:
      return AE_IFBLK;
    case NodeType::kFifo:
      return AE_IFIFO;
  }
  return AE_IFREG;
}

// Strict UTF-8: no overlong forms, surrogates or values past U+10FFFF.
bool IsUtf8(std::string_view text) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  static constexpr unsigned char kLeadMask[] = {0x7f, 0x1f, 0x0f, 0x07};
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t extra;
    if (c < 0x80) extra = 0;
    else if ((c & 0xe0) == 0xc0) extra = 1;
    else if ((c & 0xf0) == 0xe0) extra = 2;
    else if ((c & 0xf8) == 0xf0) extra = 3;
    else return false;
    if (i + extra >= text.size()) return false;  // cut short
    uint32_t value = c & kLeadMask[extra];
    for (size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      value = (value << 6) | (next & 0x3f);
    }
    if (value < kMin[extra] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

// For error messages: bytes that are not printable ASCII as \xNN.
std::string Escaped(std::string_view text) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

// libarchive converts names between UTF-8 (pax records) and the locale's
// multibyte form (the ustar fields), and in the "C" locale it cannot convert
// any non-ASCII name (3.6.2 then dereferences NULL). So libarchive runs
// with this thread in C.UTF-8, where the two forms are the same bytes; the
// process's global locale is not touched.
class ScopedUtf8Locale {
 public:
  explicit ScopedUtf8Locale(const std::string& what) {
    locale_ = ::newlocale(LC_ALL_MASK, "C.UTF-8", nullptr);
    if (locale_ == nullptr) {
      throw FsOutputError(what + ": the C.UTF-8 locale is not available (glibc 2.35 and later have it built "
                                 "in; on older systems install it, e.g. Debian's locales package)");
    }
    previous_ = ::uselocale(locale_);
  }
  ~ScopedUtf8Locale() {
    ::uselocale(previous_);
    ::freelocale(locale_);
  }
  ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
  ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

 private:
  locale_t locale_ = nullptr;
  locale_t previous_ = nullptr;
};

}  // namespace

void WriteRootfsTar(const FsTree& tree, const std::filesystem::path& output,
                    const RootfsTarOptions& options) {
  std::optional<int64_t> epoch = ResolveSourceDateEpoch(options.source_date_epoch);
  std::vector<OutputEntry> entries = tree.Entries(epoch);
  std::string what = "rootfs tarball " + output.string();

  AtomicFile file(output);
  ScopedUtf8Locale utf8(what);  // before the archive object, which caches conversions
  CompressedWriter writer(file.fd(), options.compression, options.level, what);
  SinkState state{&writer, nullptr};
  std::unique_ptr<struct archive, ArchiveFree> a(archive_write_new());
  auto check = [&](int rc, const std::string& doing) {
    if (state.error) std::rethrow_exception(state.error);
    // A warning is an error too: it means something was written other than
    // asked (a name that could not be converted, a value cut short).
    if (rc != ARCHIVE_OK) {
      const char* message = archive_error_string(a.get());
      throw FsOutputError(what + ": " + doing + ": " + (message ? message : "libarchive failed"));
    }
  };
  check(archive_write_set_format_pax_restricted(a.get()), "selecting the pax format");
  check(archive_write_set_format_option(a.get(), "pax", "xattrheader", "SCHILY"),
        "selecting SCHILY.xattr headers");
  check(archive_write_open2(a.get(), &state, nullptr, WriteCallback, nullptr, nullptr), "opening");

  FileDataReader data(tree);
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  for (const OutputEntry& out : entries) {
    const Inode& inode = *out.inode;
    std::string doing = "writing entry \"" + Escaped(out.path) + "\" (" + Escaped(inode.origin) + ")";
    // pax records hold names as UTF-8 and libarchive cannot write other
    // bytes there, so anything else is refused here with a usable message.
    for (const std::string* text : {&out.path, &inode.symlink_target, &out.hardlink_to}) {
      if (!IsUtf8(*text)) {
        throw FsOutputError(what + ": " + doing + ": \"" + Escaped(*text) +
                            "\" is not valid UTF-8, which pax tar headers need; rename it in the package "
                            "or leave it out of the tree");
      }
    }
    archive_entry_clear(entry.get());
    archive_entry_set_pathname_utf8(entry.get(), out.path.c_str());
    archive_entry_set_filetype(entry.get(), FileType(inode.type));
    archive_entry_set_perm(entry.get(), inode.meta.mode & 07777);
    archive_entry_set_uid(entry.get(), inode.meta.uid);
    archive_entry_set_gid(entry.get(), inode.meta.gid);
    archive_entry_set_mtime(entry.get(), out.mtime, 0);
    for (const auto& [key, value] : inode.meta.xattrs) {
      archive_entry_xattr_add_entry(entry.get(), key.c_str(), value.data(), value.size());
    }
    bool with_data = false;
    if (!out.hardlink_to.empty()) {
      archive_entry_set_hardlink_utf8(entry.get(), out.hardlink_to.c_str());
      archive_entry_set_size(entry.get(), 0);
    } else if (inode.type == NodeType::kFile) {
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(inode.size));
      with_data = inode.size > 0;
    } else if (inode.type == NodeType::kSymlink) {
      archive_entry_set_symlink_utf8(entry.get(), inode.symlink_target.c_str());
    } else if (inode.type == NodeType::kCharDevice || inode.type == NodeType::kBlockDevice) {
      archive_entry_set_rdevmajor(entry.get(), inode.dev_major);
      archive_entry_set_rdevminor(entry.get(), inode.dev_minor);
    }
    check(archive_write_header(a.get(), entry.get()), doing);
    if (with_data) {
      data.Read(inode, [&](std::string_view chunk) {
        la_ssize_t n = archive_write_data(a.get(), chunk.data(), chunk.size());
        if (state.error) std::rethrow_exception(state.error);
        if (n != static_cast<la_ssize_t>(chunk.size())) {
          const char* message = archive_error_string(a.get());
          throw FsOutputError(what + ": " + doing + ": " + (message ? message : "short write"));
        }
      });
    }
  }
  check(archive_write_close(a.get()), "finishing");
  writer.Finish();
  file.Commit();
}

}  // namespace tinyrange::fs_output
