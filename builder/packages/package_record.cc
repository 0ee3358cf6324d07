#include "builder/packages/package_record.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace tinyrange::packages {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "tinyrange-records";
constexpr int kFormatVersion = 1;

void PutString(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

}  // namespace

const char* DistroName(Distro distro) { return distro == Distro::kDebian ? "debian" : "alpine"; }

std::string HeaderToJsonLine(const RecordFileHeader& header) {
  json j;
  j["format"] = kFormat;
  j["version"] = kFormatVersion;
  j["distro"] = DistroName(header.distro);
  j["repo"] = header.repo;
  return j.dump() + "\n";
}

std::string RecordToJsonLine(const PackageRecord& r) {
  json j = json::object();
  PutString(j, "name", r.name);
  PutString(j, "version", r.version);
  PutString(j, "arch", r.architecture);
  PutString(j, "depends", r.depends);
  PutString(j, "pre_depends", r.pre_depends);
  PutString(j, "provides", r.provides);
  PutString(j, "conflicts", r.conflicts);
  PutString(j, "breaks", r.breaks);
  PutString(j, "install_if", r.install_if);
  PutString(j, "multi_arch", r.multi_arch);
  if (r.essential) j["essential"] = true;
  PutString(j, "priority", r.priority);
  PutString(j, "section", r.section);
  PutString(j, "source", r.source);
  PutString(j, "description", r.description);
  PutString(j, "filename", r.filename);
  if (r.size) j["size"] = r.size;
  if (r.installed_size) j["installed_size"] = r.installed_size;
  PutString(j, "checksum", r.checksum);
  // Invalid UTF-8 in an index (it happens in descriptions) is replaced
  // rather than failing the whole conversion.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string SerializeRecordFile(const RecordFile& file) {
  std::string out = HeaderToJsonLine(file.header);
  for (const auto& r : file.records) out += RecordToJsonLine(r);
  return out;
}

namespace {

namespace dom = simdjson::dom;

// Fills a header from its JSON object; "" on success, else what is wrong.
std::string ReadHeader(dom::object object, RecordFileHeader* header) {
  std::string_view format, distro, repo;
  uint64_t version = 0;
  for (auto [key, value] : object) {
    bool bad = false;
    if (key == "format") bad = value.get_string().get(format) != simdjson::SUCCESS;
    else if (key == "version") bad = value.get_uint64().get(version) != simdjson::SUCCESS;
    else if (key == "distro") bad = value.get_string().get(distro) != simdjson::SUCCESS;
    else if (key == "repo") bad = value.get_string().get(repo) != simdjson::SUCCESS;
    if (bad) return "header field \"" + std::string(key) + "\" has the wrong type";
  }
  if (format != kFormat) return "not a tinyrange record file";
  if (version != kFormatVersion) {
    return "record file version " + std::to_string(version) + " is not supported (expected " +
           std::to_string(kFormatVersion) + ")";
  }
  if (distro == "debian") {
    header->distro = Distro::kDebian;
  } else if (distro == "alpine") {
    header->distro = Distro::kAlpine;
  } else {
    return "unknown distro '" + std::string(distro) + "'";
  }
  header->repo = std::string(repo);
  return "";
}

// Fills a record from its JSON object; "" on success, else what is wrong.
std::string ReadRecord(dom::object object, PackageRecord* p) {
  for (auto [key, value] : object) {
    std::string* text_field = nullptr;
    uint64_t* number_field = nullptr;
    if (key == "name") text_field = &p->name;
    else if (key == "version") text_field = &p->version;
    else if (key == "arch") text_field = &p->architecture;
    else if (key == "depends") text_field = &p->depends;
    else if (key == "pre_depends") text_field = &p->pre_depends;
    else if (key == "provides") text_field = &p->provides;
    else if (key == "conflicts") text_field = &p->conflicts;
    else if (key == "breaks") text_field = &p->breaks;
    else if (key == "install_if") text_field = &p->install_if;
    else if (key == "multi_arch") text_field = &p->multi_arch;
    else if (key == "priority") text_field = &p->priority;
    else if (key == "section") text_field = &p->section;
    else if (key == "source") text_field = &p->source;
    else if (key == "description") text_field = &p->description;
    else if (key == "filename") text_field = &p->filename;
    else if (key == "checksum") text_field = &p->checksum;
    else if (key == "size") number_field = &p->size;
    else if (key == "installed_size") number_field = &p->installed_size;
    if (text_field) {
      std::string_view text_value;
      if (value.get_string().get(text_value)) return "\"" + std::string(key) + "\" must be a string";
      text_field->assign(text_value);
    } else if (number_field) {
      if (value.get_uint64().get(*number_field)) return "\"" + std::string(key) + "\" must be a non-negative integer";
    } else if (key == "essential") {
      if (value.get_bool().get(p->essential)) return "\"essential\" must be true or false";
    }
    // Unknown keys are skipped: a newer writer may add fields.
  }
  if (p->name.empty() || p->version.empty()) return "a record needs a name and a version";
  return "";
}

std::optional<RecordFile> ParsePadded(const simdjson::padded_string& padded, const std::string& name, std::string* error) {
  RecordFile file;
  size_t newline = std::string_view(padded.data(), padded.size()).find('\n');
  size_t header_size = newline == std::string_view::npos ? padded.size() : newline;
  if (!ParseRecordHeader(std::string_view(padded.data(), header_size), name, &file.header, error)) return std::nullopt;
  if (newline == std::string_view::npos) return file;
  const char* body = padded.data() + newline + 1;
  size_t body_size = padded.size() - newline - 1;
  file.records.resize(CountRecordLines(body, body_size));
  if (!ParseRecordLines(body, body_size, name, 2, [&](size_t k) -> PackageRecord& { return file.records[k]; },
                        file.records.size(), error)) {
    return std::nullopt;
  }
  return file;
}

}  // namespace

std::optional<RecordFile> ParseRecordFile(std::string_view text, const std::string& name, std::string* error) {
  if (text.empty()) {
    if (error) *error = name + ":0: empty record file";
    return std::nullopt;
  }
  return ParsePadded(simdjson::padded_string(text), name, error);
}

std::optional<RecordFile> LoadRecordFile(const std::string& path, std::string* error) {
  simdjson::padded_string padded;
  if (simdjson::padded_string::load(path).get(padded)) {
    if (error) *error = "cannot read record file " + path;
    return std::nullopt;
  }
  if (padded.size() == 0) {
    if (error) *error = path + ":0: empty record file";
    return std::nullopt;
  }
  return ParsePadded(padded, path, error);
}

size_t CountRecordLines(const char* data, size_t size) {
  // memchr is the C library's vectorised scan; a byte loop was a tenth of
  // the load time.
  size_t lines = 0;
  for (const char* p = data; (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(data + size - p)))); ++p) {
    ++lines;
  }
  if (size > 0 && data[size - 1] != '\n') ++lines;
  return lines;
}

bool ParseRecordHeader(std::string_view line, const std::string& name, RecordFileHeader* header, std::string* error) {
  // A copy with padding: the header is one short line.
  simdjson::padded_string padded(line);
  dom::parser parser;
  dom::object object;
  if (parser.parse(padded).get_object().get(object)) {
    if (error) *error = name + ":1: not a tinyrange record file";
    return false;
  }
  std::string why = ReadHeader(object, header);
  if (!why.empty()) {
    if (error) *error = name + ":1: " + why;
    return false;
  }
  return true;
}

bool ParseRecordLines(const char* data, size_t size, const std::string& name, uint64_t first_line,
                      const std::function<PackageRecord&(size_t)>& slot, size_t count, std::string* error) {
  // Loading the index is on the path of every plan: simdjson reads JSON
  // lines several times faster than nlohmann builds its objects. Its DOM
  // API is used because it picks the CPU's fastest kernel at run time
  // (the on-demand API fixes it at compile time).
  uint64_t line = first_line;
  auto fail = [&](const std::string& why) {
    if (error) *error = name + ":" + std::to_string(line) + ": " + why;
    return false;
  };
  if (size == 0) return true;
  dom::parser parser;
  dom::document_stream docs;
  if (parser.parse_many(data, size, 1 << 22).get(docs)) return fail("not a record file");
  size_t k = 0;
  for (auto doc_result : docs) {
    dom::object object;
    if (doc_result.get_object().get(object)) return fail("not a JSON object");
    if (k >= count) return fail("more records than lines");
    std::string why = ReadRecord(object, &slot(k));
    if (!why.empty()) return fail(why);
    ++k;
    ++line;
  }
  if (docs.truncated_bytes() != 0 || k != count) return fail("a truncated or malformed record");
  return true;
}

}  // namespace tinyrange::packages
