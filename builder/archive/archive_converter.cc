#include "builder/archive/archive_converter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "builder/archive/archive_writer.h"
#include "builder/archive/convert_internal.h"

namespace tinyrange::archive {

namespace internal {

void CheckPackageName(const std::string& name, const std::string& label) {
  if (!CheckEntryName(name).empty() || name.find('/') != std::string::npos || name.front() == '.') {
    throw ArchiveError(label + ": package name '" + name + "' cannot name a metadata directory");
  }
}

std::string PackageLabel(const std::string& package, const std::filesystem::path& input) {
  return "package '" + package + "' (" + input.string() + ")";
}

void ConvertPlain(ConvertJob& job) {
  LibarchiveInput input(InputFormats::kPlain, job.sink->label());
  input.OpenFile(job.input);
  while (struct archive_entry* entry = input.Next()) job.sink->Add(input, entry);
}

}  // namespace internal

namespace {

// The name field of the first tar header in the first gzip member of
// `head` (the file's first bytes), or "" if there is none.
std::string FirstTarNameInGzip(const std::string& head) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return "";
  char header[512];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(head.data()));
  stream.avail_in = static_cast<uInt>(head.size());
  stream.next_out = reinterpret_cast<Bytef*>(header);
  stream.avail_out = sizeof header;
  int r = Z_OK;
  while (stream.avail_out > 0 && r == Z_OK) r = inflate(&stream, Z_NO_FLUSH);
  bool full = stream.avail_out == 0;
  inflateEnd(&stream);
  if (!full) return "";
  return std::string(header, strnlen(header, 100));
}

std::string TemporaryBeside(const std::filesystem::path& output) {
  std::string pattern = output.string() + ".tmp-XXXXXX";
  int fd = mkstemp(pattern.data());
  if (fd < 0) {
    throw ArchiveError(output.string() + ": cannot create a temporary file beside it: " + std::strerror(errno));
  }
  ::close(fd);
  return pattern;
}

}  // namespace

const char* SourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::kAuto:
      return "auto";
    case SourceKind::kPlain:
      return "plain";
    case SourceKind::kDeb:
      return "deb";
    case SourceKind::kApk:
      return "apk";
  }
  return "unknown";
}

SourceKind DetectSourceKind(const std::filesystem::path& input) {
  std::ifstream in(input, std::ios::binary);
  if (!in) throw ArchiveError(input.string() + ": cannot open: " + std::strerror(errno));
  // Enough compressed bytes for the first 512-byte tar header.
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.starts_with("!<arch>\n")) return SourceKind::kDeb;
  if (head.starts_with("ADB.")) return SourceKind::kApk;
  if (head.starts_with("\x1f\x8b")) {
    std::string name = FirstTarNameInGzip(head);
    // abuild's control segment may start with a pax header named
    // "./PaxHeaders/.PKGINFO": look at the last component.
    std::string base = name.substr(name.rfind('/') + 1);
    if (base.starts_with(".SIGN.") || base == ".PKGINFO") return SourceKind::kApk;
  }
  return SourceKind::kPlain;
}

ConvertResult ConvertToArchive(const std::filesystem::path& input, const std::filesystem::path& output,
                               const ConvertOptions& options) {
  SourceKind kind = options.kind == SourceKind::kAuto ? DetectSourceKind(input) : options.kind;
  if (!options.apk_control_sha1.empty() && kind != SourceKind::kApk) {
    // A checksum that cannot be checked must not pass silently.
    throw ArchiveError((options.package_name.empty() ? input.string()
                                                     : internal::PackageLabel(options.package_name, input)) +
                       ": an Alpine control checksum was given, but this is not an .apk (it reads as " +
                       SourceKindName(kind) + ")");
  }
  std::string temporary = TemporaryBeside(output);
  try {
    ConvertResult result;
    {
      ArchiveWriter writer(temporary);
      std::string label =
          options.package_name.empty() ? input.string() : internal::PackageLabel(options.package_name, input);
      internal::EntrySink sink(writer, label);
      internal::ConvertJob job{input, options, &sink, ""};
      switch (kind) {
        case SourceKind::kDeb:
          internal::ConvertDeb(job);
          break;
        case SourceKind::kApk:
          internal::ConvertApk(job);
          break;
        default:
          internal::ConvertPlain(job);
          break;
      }
      result.sha256 = writer.Finish();
      result.size = writer.bytes_written();
      result.entries = sink.entries();
      result.package_name = job.package_name;
    }
    // mkstemp made the file private; archives are read by other processes.
    if (::chmod(temporary.c_str(), 0644) != 0 || ::rename(temporary.c_str(), output.c_str()) != 0) {
      throw ArchiveError(output.string() + ": cannot move the converted archive into place: " + std::strerror(errno));
    }
    return result;
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
}

}  // namespace tinyrange::archive
