// Alpine .apk (v2): gzip members concatenated. abuild writes an optional
// signature segment (a tar of .SIGN.* files), then the control segment (a
// tar of .PKGINFO and the install scripts), then the data segment; the
// first two tars have their end-of-archive blocks cut off, so read as one
// stream the three look like a single tar. The segments are told apart by
// the gzip member boundaries, found here with zlib: the signature and
// control members are small and inflated into memory, and libarchive reads
// the data segment from its offset in the file.
#include <archive_entry.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

#include "builder/archive/convert_internal.h"

namespace tinyrange::archive::internal {

namespace {

constexpr size_t kMaxControlSegment = 64u << 20;

struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};

struct Member {
  std::string data;   // inflated
  uint64_t next = 0;  // offset of the byte after the member
};

// Inflates the gzip member at `offset` of `file`.
Member InflateMember(FILE* file, uint64_t offset, const std::string& label) {
  if (fseeko(file, static_cast<off_t>(offset), SEEK_SET) != 0) {
    throw ArchiveError(label + ": cannot seek to offset " + std::to_string(offset));
  }
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) throw ArchiveError(label + ": cannot start zlib");
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&stream, &inflateEnd);
  Member member;
  char in[64 * 1024];
  char out[64 * 1024];
  for (;;) {
    if (stream.avail_in == 0) {
      size_t n = std::fread(in, 1, sizeof in, file);
      if (n == 0) {
        throw ArchiveError(label + ": the gzip member at offset " + std::to_string(offset) + " is truncated");
      }
      stream.next_in = reinterpret_cast<Bytef*>(in);
      stream.avail_in = static_cast<uInt>(n);
    }
    stream.next_out = reinterpret_cast<Bytef*>(out);
    stream.avail_out = sizeof out;
    int r = inflate(&stream, Z_NO_FLUSH);
    if (r != Z_OK && r != Z_STREAM_END) {
      throw ArchiveError(label + ": the gzip member at offset " + std::to_string(offset) + " is corrupt" +
                         (stream.msg ? std::string(": ") + stream.msg : std::string()));
    }
    member.data.append(out, sizeof out - stream.avail_out);
    if (member.data.size() > kMaxControlSegment) {
      throw ArchiveError(label + ": the segment at offset " + std::to_string(offset) + " inflates to more than " +
                         std::to_string(kMaxControlSegment) +
                         " bytes; an .apk's signature and control segments "
                         "are small");
    }
    if (r == Z_STREAM_END) break;
  }
  member.next = offset + stream.total_in;
  return member;
}

std::string EntryName(struct archive_entry* entry) {
  const char* name = archive_entry_pathname(entry);
  std::string problem;
  auto normal = NormaliseName(name ? name : "", &problem);
  return normal ? *normal : std::string(name ? name : "");
}

bool IsSignature(const std::string& name) { return name.starts_with(".SIGN."); }

// Control entries: the dot-files at the top of the control segment.
bool IsControl(const std::string& name) {
  return name.starts_with(".") && name.find('/') == std::string::npos && !IsSignature(name);
}

// Whether an inflated segment is abuild's signature segment: entries, all
// of them .SIGN.* files. (A segment that mixes them with other entries is
// treated as the control segment, where .SIGN.* entries are dropped too.)
bool IsSignatureSegment(const std::string& tar, const std::string& label) {
  LibarchiveInput input(InputFormats::kTar, label);
  input.OpenMemory(tar);
  bool any = false;
  while (struct archive_entry* entry = input.Next()) {
    if (!IsSignature(EntryName(entry))) return false;
    any = true;
  }
  return any;
}

// pkgname from .PKGINFO ("key = value" lines), or "" if there is none.
std::string PackageName(const std::string& tar, const std::string& label) {
  LibarchiveInput input(InputFormats::kTar, label);
  input.OpenMemory(tar);
  while (struct archive_entry* entry = input.Next()) {
    if (EntryName(entry) != ".PKGINFO" || archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string info = input.ReadAllData(kMaxControlSegment);
    std::string_view rest = info;
    while (!rest.empty()) {
      size_t end = rest.find('\n');
      std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      constexpr std::string_view kKey = "pkgname = ";
      if (line.starts_with(kKey)) return std::string(line.substr(kKey.size()));
    }
    return "";
  }
  return "";
}

}  // namespace

void ConvertApk(ConvertJob& job) {
  std::string label = job.sink->label();
  std::unique_ptr<FILE, FileCloser> file(std::fopen(job.input.c_str(), "rb"));
  if (!file) throw ArchiveError(label + ": cannot open: " + std::strerror(errno));
  char magic[4] = {};
  if (std::fread(magic, 1, sizeof magic, file.get()) == sizeof magic && std::memcmp(magic, "ADB.", 4) == 0) {
    throw ArchiveError(label + ": an apk v3 (ADB) package; only v2 packages (gzip and tar) are supported");
  }

  Member first = InflateMember(file.get(), 0, label);
  Member control = std::move(first);
  if (IsSignatureSegment(control.data, label + ": first segment")) {
    control = InflateMember(file.get(), control.next, label);
  }

  std::string control_label = label + ": control segment";
  job.package_name = job.options.package_name;
  if (job.package_name.empty()) {
    job.package_name = PackageName(control.data, control_label);
    if (job.package_name.empty()) {
      throw ArchiveError(control_label + ": no .PKGINFO with a pkgname (is this an Alpine package?)");
    }
    job.sink->set_label(PackageLabel(job.package_name, job.input));
  }
  CheckPackageName(job.package_name, job.sink->label());
  std::string prefix = std::string(kMetadataRoot) + "/packages/alpine/" + job.package_name;

  // The signature entries were in a segment of their own; the control
  // segment's dot-files become metadata, anything else in it is data (a
  // package whose control and data share one gzip member).
  LibarchiveInput input(InputFormats::kTar, job.sink->label() + ": control segment");
  input.OpenMemory(control.data);
  bool directories = false;
  while (struct archive_entry* entry = input.Next()) {
    std::string name = EntryName(entry);
    if (IsSignature(name)) continue;
    if (IsControl(name)) {
      if (!directories) job.sink->AddDirectories(prefix);
      directories = true;
      job.sink->Add(input, entry, prefix);
    } else {
      job.sink->Add(input, entry);
    }
  }

  // The data segment: the rest of the file, if anything is left.
  if (fseeko(file.get(), static_cast<off_t>(control.next), SEEK_SET) != 0) {
    throw ArchiveError(job.sink->label() + ": cannot seek to the data segment");
  }
  int c = std::fgetc(file.get());
  if (c == EOF) return;
  std::ungetc(c, file.get());
  LibarchiveInput data(InputFormats::kTar, job.sink->label() + ": data segment");
  data.OpenStdioFile(file.get());
  while (struct archive_entry* entry = data.Next()) job.sink->Add(data, entry);
}

}  // namespace tinyrange::archive::internal
