// .deb (deb(5)): an ar archive of "debian-binary", "control.tar[.COMP]" and
// "data.tar[.COMP]", in that order; members whose names start with '_'
// are extensions and are ignored, as dpkg does.
#include <archive_entry.h>

#include <array>
#include <cctype>
#include <string_view>

#include "builder/archive/convert_internal.h"

namespace tinyrange::archive::internal {

namespace {

// Control archives are small (dpkg keeps them in memory too).
constexpr size_t kMaxControlTar = 64u << 20;

constexpr std::array<std::string_view, 6> kCompressions = {"", ".gz", ".xz", ".zst", ".bz2", ".lzma"};

bool IsMember(std::string_view name, std::string_view base) {
  if (!name.starts_with(base)) return false;
  std::string_view rest = name.substr(base.size());
  for (std::string_view suffix : kCompressions) {
    if (rest == suffix) return true;
  }
  return false;
}

// The Package: field of a control file (deb-control(5)): field names are
// case-insensitive; the value is trimmed.
std::string PackageField(std::string_view control) {
  size_t start = 0;
  while (start < control.size()) {
    size_t end = control.find('\n', start);
    if (end == std::string_view::npos) end = control.size();
    std::string_view line = control.substr(start, end - start);
    start = end + 1;
    if (line.empty()) break;  // end of the first paragraph
    size_t colon = line.find(':');
    if (colon != 7) continue;
    std::string field(line.substr(0, colon));
    for (char& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (field != "package") continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) {
      value.remove_suffix(1);
    }
    return std::string(value);
  }
  return "";
}

// The control file's text from an in-memory control.tar.
std::string ControlFile(const std::string& control_tar, const std::string& label) {
  LibarchiveInput input(InputFormats::kTar, label);
  input.OpenMemory(control_tar);
  while (struct archive_entry* entry = input.Next()) {
    const char* name = archive_entry_pathname(entry);
    std::string problem;
    auto normal = NormaliseName(name ? name : "", &problem);
    if (normal && *normal == "control" && archive_entry_filetype(entry) == AE_IFREG) {
      return input.ReadAllData(kMaxControlTar);
    }
  }
  return "";
}

}  // namespace

void ConvertDeb(ConvertJob& job) {
  std::string file = job.input.string();
  LibarchiveInput ar(InputFormats::kAr, job.sink->label());
  ar.OpenFile(job.input);
  enum { kBinary, kControl, kData, kDone } expect = kBinary;
  while (struct archive_entry* member = ar.Next()) {
    const char* raw = archive_entry_pathname(member);
    std::string name = raw ? raw : "";
    if (name.starts_with("_")) continue;
    if (expect == kBinary) {
      if (name != "debian-binary") {
        throw ArchiveError(job.sink->label() + ": not a .deb: the first member is '" + name + "', not 'debian-binary'");
      }
      std::string version = ar.ReadAllData(1024);
      if (!version.starts_with("2.")) {
        throw ArchiveError(job.sink->label() + ": unsupported .deb format version '" + version + "'");
      }
      expect = kControl;
    } else if (expect == kControl) {
      if (!IsMember(name, "control.tar")) {
        throw ArchiveError(job.sink->label() + ": the .deb's second member is '" + name + "', not control.tar");
      }
      std::string control_tar = ar.ReadAllData(kMaxControlTar);
      std::string member_label = job.sink->label() + ": " + name;
      job.package_name = job.options.package_name;
      if (job.package_name.empty()) {
        job.package_name = PackageField(ControlFile(control_tar, member_label));
        if (job.package_name.empty()) {
          throw ArchiveError(member_label + ": no control file with a Package: field");
        }
        job.sink->set_label(PackageLabel(job.package_name, job.input));
      }
      CheckPackageName(job.package_name, job.sink->label());
      std::string prefix = std::string(kMetadataRoot) + "/packages/debian/" + job.package_name;
      job.sink->AddDirectories(prefix);
      LibarchiveInput control(InputFormats::kTar, job.sink->label() + ": " + name);
      control.OpenMemory(control_tar);
      while (struct archive_entry* entry = control.Next()) job.sink->Add(control, entry, prefix);
      expect = kData;
    } else if (expect == kData) {
      if (!IsMember(name, "data.tar")) {
        throw ArchiveError(job.sink->label() + ": the .deb's third member is '" + name + "', not data.tar");
      }
      LibarchiveInput data(InputFormats::kTar, job.sink->label() + ": " + name);
      data.OpenEntryData(ar);
      while (struct archive_entry* entry = data.Next()) job.sink->Add(data, entry);
      expect = kDone;
    } else {
      throw ArchiveError(job.sink->label() + ": unexpected member '" + name + "' after data.tar");
    }
  }
  if (expect != kDone) throw ArchiveError(job.sink->label() + ": the .deb ends before its data.tar member");
}

}  // namespace tinyrange::archive::internal
