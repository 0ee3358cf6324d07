#include "builder/packages/package_record.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>

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

std::optional<RecordFile> ParsePadded(const simdjson::padded_string& padded, const std::string& name, std::string* error);

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

namespace {

std::optional<RecordFile> ParsePadded(const simdjson::padded_string& padded, const std::string& name, std::string* error) {
  // Loading the index is on the path of every plan: simdjson reads JSON
  // lines several times faster than nlohmann builds its objects. Its DOM
  // API is used because it picks the CPU's fastest kernel at run time
  // (the on-demand API fixes it at compile time).
  namespace dom = simdjson::dom;
  RecordFile file;
  uint64_t line = 0;
  auto fail = [&](const std::string& why) -> std::optional<RecordFile> {
    if (error) *error = name + ":" + std::to_string(line) + ": " + why;
    return std::nullopt;
  };
  dom::parser parser;
  dom::document_stream docs;
  if (parser.parse_many(padded, 1 << 22).get(docs)) {
    line = 1;
    return fail("not a record file");
  }
  // One record per line: reserving avoids copying records while growing.
  file.records.reserve(static_cast<size_t>(std::count(padded.data(), padded.data() + padded.size(), '\n')));
  for (auto doc_result : docs) {
    ++line;
    dom::object object;
    if (doc_result.get_object().get(object)) return fail("not a JSON object");
    if (line == 1) {
      std::string_view format, distro, repo;
      uint64_t version = 0;
      for (auto [key, value] : object) {
        bool bad = false;
        if (key == "format") bad = value.get_string().get(format) != simdjson::SUCCESS;
        else if (key == "version") bad = value.get_uint64().get(version) != simdjson::SUCCESS;
        else if (key == "distro") bad = value.get_string().get(distro) != simdjson::SUCCESS;
        else if (key == "repo") bad = value.get_string().get(repo) != simdjson::SUCCESS;
        if (bad) return fail("header field \"" + std::string(key) + "\" has the wrong type");
      }
      if (format != kFormat) return fail("not a tinyrange record file");
      if (version != kFormatVersion) {
        return fail("record file version " + std::to_string(version) + " is not supported (expected " +
                    std::to_string(kFormatVersion) + ")");
      }
      if (distro == "debian") {
        file.header.distro = Distro::kDebian;
      } else if (distro == "alpine") {
        file.header.distro = Distro::kAlpine;
      } else {
        return fail("unknown distro '" + std::string(distro) + "'");
      }
      file.header.repo = std::string(repo);
      continue;
    }
    PackageRecord p;
    for (auto [key, value] : object) {
      std::string* text_field = nullptr;
      uint64_t* number_field = nullptr;
      if (key == "name") text_field = &p.name;
      else if (key == "version") text_field = &p.version;
      else if (key == "arch") text_field = &p.architecture;
      else if (key == "depends") text_field = &p.depends;
      else if (key == "pre_depends") text_field = &p.pre_depends;
      else if (key == "provides") text_field = &p.provides;
      else if (key == "conflicts") text_field = &p.conflicts;
      else if (key == "breaks") text_field = &p.breaks;
      else if (key == "install_if") text_field = &p.install_if;
      else if (key == "multi_arch") text_field = &p.multi_arch;
      else if (key == "priority") text_field = &p.priority;
      else if (key == "section") text_field = &p.section;
      else if (key == "source") text_field = &p.source;
      else if (key == "description") text_field = &p.description;
      else if (key == "filename") text_field = &p.filename;
      else if (key == "checksum") text_field = &p.checksum;
      else if (key == "size") number_field = &p.size;
      else if (key == "installed_size") number_field = &p.installed_size;
      if (text_field) {
        std::string_view text_value;
        if (value.get_string().get(text_value)) return fail("\"" + std::string(key) + "\" must be a string");
        *text_field = std::string(text_value);
      } else if (number_field) {
        if (value.get_uint64().get(*number_field)) {
          return fail("\"" + std::string(key) + "\" must be a non-negative integer");
        }
      } else if (key == "essential") {
        if (value.get_bool().get(p.essential)) return fail("\"essential\" must be true or false");
      }
      // Unknown keys are skipped: a newer writer may add fields.
    }
    if (p.name.empty() || p.version.empty()) return fail("a record needs a name and a version");
    file.records.push_back(std::move(p));
  }
  if (docs.truncated_bytes() != 0) {
    ++line;
    return fail("a truncated or malformed record");
  }
  if (line == 0) return fail("empty record file");
  return file;
}

}  // namespace

}  // namespace tinyrange::packages
