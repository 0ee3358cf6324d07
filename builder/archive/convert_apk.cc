// Alpine .apk (v2): gzip members concatenated. abuild writes an optional
// signature segment (a tar of .SIGN.* files), then the control segment (a
// tar of .PKGINFO and the install scripts), then the data segment; the
// first two tars have their end-of-archive blocks cut off, so read as one
// stream the three look like a single tar. The segments are told apart by
// the gzip member boundaries, found here with zlib: the signature and
// control members are small and inflated into memory, and libarchive reads
// the data segment from its offset in the file.
//
// Integrity: an APKINDEX record's C:Q1 is the SHA-1 of the control
// segment's gzip member as stored, and that segment's .PKGINFO gives
// "datahash", the SHA-256 of the data segment's gzip member as stored.
// With ConvertOptions::apk_control_sha1 (the index's checksum) both are
// checked, which chains the signed index to every byte that is converted;
// the signature segment is not needed for that and is not checked. Without
// it, a datahash that is there is still checked: a mismatch is corruption.
#include <archive_entry.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
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

struct PkgInfo {
  std::string name;      // pkgname, or ""
  std::string datahash;  // hex SHA-256 of the data segment's gzip member, or ""
};

// What the converter needs from .PKGINFO ("key = value" lines); empty
// fields if there is none.
PkgInfo ReadPkgInfo(const std::string& tar, const std::string& label) {
  LibarchiveInput input(InputFormats::kTar, label);
  input.OpenMemory(tar);
  PkgInfo info;
  while (struct archive_entry* entry = input.Next()) {
    if (EntryName(entry) != ".PKGINFO" || archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string text = input.ReadAllData(kMaxControlSegment);
    std::string_view rest = text;
    while (!rest.empty()) {
      size_t end = rest.find('\n');
      std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      constexpr std::string_view kName = "pkgname = ", kDataHash = "datahash = ";
      if (line.starts_with(kName) && info.name.empty()) info.name = line.substr(kName.size());
      if (line.starts_with(kDataHash) && info.datahash.empty()) info.datahash = line.substr(kDataHash.size());
    }
    break;
  }
  return info;
}

std::string Hex(const std::string& bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

// Alpine's spelling of a SHA-1, as APKINDEX's C: field writes it.
std::string Q1(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return "Q1" + out;
}

std::string HexToBytes(const std::string& hex) {
  std::string bytes;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return "";
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return "";
    bytes += static_cast<char>(hi << 4 | lo);
  }
  return bytes;
}

// The raw digest of the file's bytes from `begin` to `end` (or to the end
// of the file when `end` is 0).
std::string DigestOfRange(FILE* file, uint64_t begin, uint64_t end, const EVP_MD* md, const std::string& label) {
  if (fseeko(file, static_cast<off_t>(begin), SEEK_SET) != 0) {
    throw ArchiveError(label + ": cannot seek to offset " + std::to_string(begin));
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) throw ArchiveError(label + ": cannot start a digest");
  char buffer[64 * 1024];
  uint64_t left = end ? end - begin : UINT64_MAX;
  while (left > 0) {
    size_t n = std::fread(buffer, 1, static_cast<size_t>(std::min<uint64_t>(left, sizeof buffer)), file);
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer, n);
    left -= n;
  }
  if (std::ferror(file) || (end && left != 0)) throw ArchiveError(label + ": cannot read the package to check it");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

// Throws unless the control member [control_begin, control_end) has the
// SHA-1 the caller expects and the rest of the file has the .PKGINFO's
// datahash (checked whenever .PKGINFO gives one: a mismatch is corruption
// either way).
void VerifyApk(FILE* file, uint64_t control_begin, uint64_t control_end, const PkgInfo& info,
               const std::string& expected_sha1_hex, const std::string& label) {
  if (!expected_sha1_hex.empty()) {
    std::string expected = HexToBytes(expected_sha1_hex);
    if (expected.size() != 20) {
      throw ArchiveError(label + ": the expected control checksum '" + expected_sha1_hex +
                         "' is not a SHA-1 in hex (40 digits)");
    }
    std::string actual = DigestOfRange(file, control_begin, control_end, EVP_sha1(), label);
    if (actual != expected) {
      throw ArchiveError(label + ": the control segment's checksum is " + Q1(actual) + " but the index says " +
                         Q1(expected) +
                         ": the file is not the package the index lists (corrupt, or replaced on the mirror); "
                         "check the mirror, then fetch the index and the package again");
    }
    if (info.datahash.empty()) {
      throw ArchiveError(label +
                         ": .PKGINFO has no datahash, so the data segment cannot be checked against the index; "
                         "repackage it with abuild");
    }
  }
  if (info.datahash.empty()) return;
  std::string actual = Hex(DigestOfRange(file, control_end, 0, EVP_sha256(), label));
  if (actual != info.datahash) {
    throw ArchiveError(label + ": the data segment's SHA-256 is " + actual + " but .PKGINFO's datahash is " +
                       info.datahash + ": the package is corrupt or was altered; fetch it again");
  }
}

// An .apk opened far enough to check it: where its control member is and
// what its .PKGINFO says.
struct OpenedApk {
  std::unique_ptr<FILE, FileCloser> file;
  Member control;
  uint64_t control_begin = 0;
  PkgInfo info;
};

OpenedApk OpenApk(const std::filesystem::path& path, const std::string& label) {
  OpenedApk apk{std::unique_ptr<FILE, FileCloser>(std::fopen(path.c_str(), "rb")), {}, 0, {}};
  if (!apk.file) throw ArchiveError(label + ": cannot open: " + std::strerror(errno));
  char magic[4] = {};
  if (std::fread(magic, 1, sizeof magic, apk.file.get()) == sizeof magic && std::memcmp(magic, "ADB.", 4) == 0) {
    throw ArchiveError(label + ": an apk v3 (ADB) package; only v2 packages (gzip and tar) are supported");
  }
  apk.control = InflateMember(apk.file.get(), 0, label);
  if (IsSignatureSegment(apk.control.data, label + ": first segment")) {
    apk.control_begin = apk.control.next;
    apk.control = InflateMember(apk.file.get(), apk.control.next, label);
  }
  apk.info = ReadPkgInfo(apk.control.data, label + ": control segment");
  return apk;
}

}  // namespace

void ConvertApk(ConvertJob& job) {
  std::string label = job.sink->label();
  OpenedApk apk = OpenApk(job.input, label);
  std::unique_ptr<FILE, FileCloser>& file = apk.file;
  const Member& control = apk.control;
  const PkgInfo& info = apk.info;

  std::string control_label = label + ": control segment";
  job.package_name = job.options.package_name;
  if (job.package_name.empty()) {
    job.package_name = info.name;
    if (job.package_name.empty()) {
      throw ArchiveError(control_label + ": no .PKGINFO with a pkgname (is this an Alpine package?)");
    }
    job.sink->set_label(PackageLabel(job.package_name, job.input));
  }
  CheckPackageName(job.package_name, job.sink->label());
  // Before any entry is written: nothing of a package that fails is used.
  VerifyApk(file.get(), apk.control_begin, control.next, info, job.options.apk_control_sha1, job.sink->label());
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

namespace tinyrange::archive {

void VerifyApkFile(const std::filesystem::path& path, const std::string& expected_control_sha1,
                   const std::string& label) {
  internal::OpenedApk apk = internal::OpenApk(path, label);
  internal::VerifyApk(apk.file.get(), apk.control_begin, apk.control.next, apk.info, expected_control_sha1, label);
}

}  // namespace tinyrange::archive
