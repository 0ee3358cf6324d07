#include "builder/build/target_memo.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "builder/download/cache_paths.h"

namespace tinyrange::build {
namespace fs = std::filesystem;

namespace {

std::string MemoPath(const std::string& cache_root, const std::string& label) {
  return cache_root + "/builds/targets/" + download::CacheSafeName(label) + ".memo";
}

// The memo's JSON, or a discarded value if there is none.
nlohmann::json ReadMemo(const std::string& cache_root, const std::string& label) {
  std::ifstream in(MemoPath(cache_root, label));
  if (!in) return nlohmann::json(nlohmann::json::value_t::discarded);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return nlohmann::json(nlohmann::json::value_t::discarded);
  return j;
}

}  // namespace

nlohmann::json FileStamp(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return nullptr;
  nlohmann::json j;
  j["path"] = path;
  j["dev"] = static_cast<uint64_t>(st.st_dev);
  j["ino"] = static_cast<uint64_t>(st.st_ino);
  j["size"] = static_cast<int64_t>(st.st_size);
  j["mtime_ns"] = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  j["ctime_ns"] = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return j;
}

namespace {

nlohmann::json Environment() {
  nlohmann::json env = nlohmann::json::object();
  for (const char* name : MemoEnvironment()) {
    const char* value = getenv(name);
    env[name] = value ? value : "";
  }
  return env;
}

}  // namespace

const std::vector<const char*>& MemoEnvironment() {
  static const std::vector<const char*> names = {"SOURCE_DATE_EPOCH", "TR_STDLIB", "TR_DEBIAN_MIRROR",
                                                 "TR_ALPINE_MIRROR", "TR_ALPINE_KEYS"};
  return names;
}

std::optional<std::string> LastBuiltHash(const std::string& cache_root, const std::string& label) {
  nlohmann::json j = ReadMemo(cache_root, label);
  if (j.is_discarded()) return std::nullopt;
  std::string hash = j.value("hash", "");
  if (!download::IsSha256Hex(hash)) return std::nullopt;
  return hash;
}

std::string TargetLabel(const std::string& file, const std::string& name) {
  std::error_code ec;
  fs::path absolute = fs::absolute(file, ec);
  return (ec ? fs::path(file) : absolute).lexically_normal().string() + ":" + name;
}

void WriteTargetMemo(const std::string& cache_root, const std::string& label, const TargetMemo& memo) {
  nlohmann::json j;
  j["tr_version"] = memo.tr_version;
  j["hash"] = memo.hash;
  j["env"] = Environment();
  j["sources"] = nlohmann::json::array();
  for (const std::string& source : memo.sources) {
    std::error_code absolute_error;
    nlohmann::json st = FileStamp(fs::absolute(source, absolute_error).lexically_normal().string());
    if (st.is_null()) return;
    j["sources"].push_back(st);
  }
  std::string path = MemoPath(cache_root, label);
  std::string temp = path + ".tmp-" + std::to_string(getpid());
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  {
    std::ofstream out(temp);
    out << j.dump() << "\n";
    if (!out) return;
  }
  if (rename(temp.c_str(), path.c_str()) != 0) unlink(temp.c_str());
}

std::optional<std::string> CheckTargetMemo(const std::string& cache_root, const std::string& label,
                                           const std::string& tr_version) {
  nlohmann::json j = ReadMemo(cache_root, label);
  if (j.is_discarded()) return std::nullopt;
  if (j.value("tr_version", "") != tr_version) return std::nullopt;
  if (j.value("env", nlohmann::json()) != Environment()) return std::nullopt;
  std::string hash = j.value("hash", "");
  if (!download::IsSha256Hex(hash)) return std::nullopt;
  const nlohmann::json& sources = j["sources"];
  if (!sources.is_array() || sources.empty()) return std::nullopt;
  for (const auto& source : sources) {
    if (!source.is_object() || !source.contains("path") || !source["path"].is_string()) return std::nullopt;
    if (FileStamp(source["path"].get<std::string>()) != source) return std::nullopt;
  }
  std::string entry = cache_root + "/builds/" + hash.substr(0, 2) + "/" + hash;
  if (access((entry + "/meta.json").c_str(), F_OK) != 0) return std::nullopt;
  utimensat(AT_FDCWD, entry.c_str(), nullptr, 0);  // in use now
  return entry + "/out";
}

}  // namespace tinyrange::build
