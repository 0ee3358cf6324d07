#include "sandbox/run_memo.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "builder/build/target_memo.h"
#include "builder/download/cache_paths.h"


namespace tinyrange::sandbox {

namespace {

// Environment variables that change what a run prepares or how it boots.
constexpr const char* kRequestEnvironment[] = {"TERM", "HOME", "XDG_CACHE_HOME", "SOURCE_DATE_EPOCH", "TR_STDLIB",
                                               "TR_DEBIAN_MIRROR", "TR_ALPINE_MIRROR", "TR_ALPINE_KEYS",
                                               "TR_MINIMAL_KERNEL_DIR", "TINYRANGE_GUEST_INIT"};

}  // namespace

std::string RunMemoPath(const std::string& cache_root, const nlohmann::json& request) {
  // FNV-1a of the request: the memo holds the whole request, compared on
  // reading, so a collision only costs a fallback.
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : request.dump()) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  char name[32];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(h));
  return cache_root + "/runs/" + name + ".json";
}

namespace {

// Every host file the plan names, which must all still be there.
void CollectPaths(const nlohmann::json& plan, std::vector<std::string>* paths) {
  if (plan.contains("kernel") && plan["kernel"].is_string()) paths->push_back(plan["kernel"].get<std::string>());
  for (const auto& disk : plan.value("disks", nlohmann::json::array())) {
    if (disk.contains("path")) paths->push_back(disk["path"].get<std::string>());
    for (const auto& part : disk.value("parts", nlohmann::json::array())) paths->push_back(part.get<std::string>());
  }
  if (plan.contains("init") && plan["init"].contains("files")) {
    for (const auto& file : plan["init"]["files"]) paths->push_back(file.value("host", ""));
  }
}

}  // namespace

// The stamps of `tr` and of the builder module beside it: a rebuilt
// tinyrange may prepare the same request differently.
nlohmann::json ProgramStamps() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  nlohmann::json stamps = nlohmann::json::array({build::FileStamp(exe.string())});
  for (const auto& module : {exe.parent_path() / "tinyrange-builder.so",
                             exe.parent_path() / ".." / "lib" / "tinyrange" / "tinyrange-builder.so"}) {
    nlohmann::json stamp = build::FileStamp(module.lexically_normal().string());
    if (!stamp.is_null()) {
      stamps.push_back(stamp);
      break;
    }
  }
  return stamps;
}

nlohmann::json RunMemoRequest(int argc, char** argv) {
  nlohmann::json args = nlohmann::json::array();
  for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
  nlohmann::json env = nlohmann::json::object();
  for (const char* name : kRequestEnvironment) {
    const char* value = std::getenv(name);
    env[name] = value ? value : "";
  }
  std::error_code ec;
  return {{"args", args},
          {"env", env},
          {"cwd", std::filesystem::current_path(ec).string()},
          {"stdin_tty", isatty(STDIN_FILENO) == 1},
          {"stdout_tty", isatty(STDOUT_FILENO) == 1},
          {"programs", ProgramStamps()}};
}

std::optional<RunMemoHit> CheckRunMemo(const std::string& cache_root, const nlohmann::json& request,
                                       const std::string& tr_version) {
  std::ifstream in(RunMemoPath(cache_root, request));
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json memo = nlohmann::json::parse(text.str(), nullptr, false);
  if (!memo.is_object() || memo.value("tr_version", "") != tr_version) return std::nullopt;
  if (!memo.contains("request") || memo["request"] != request) return std::nullopt;
  if (!memo.contains("plan") || !memo["plan"].is_object() || !memo.contains("entries")) return std::nullopt;
  RunMemoHit hit;
  for (const auto& entry : memo["entries"]) {
    if (!entry.is_string() || !download::IsSha256Hex(entry.get<std::string>())) return std::nullopt;
    std::string hash = entry.get<std::string>();
    // Shared, as BuildCache::Acquire takes it: `tr cache gc` needs it
    // exclusively to remove the entry.
    try {
      hit.locks.push_back(
          std::make_unique<download::FileLock>(cache_root + "/builds/locks/" + hash + ".use", download::LockMode::kShared));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    std::string dir = cache_root + "/builds/" + hash.substr(0, 2) + "/" + hash;
    if (access((dir + "/meta.json").c_str(), F_OK) != 0) return std::nullopt;
    utimensat(AT_FDCWD, dir.c_str(), nullptr, 0);  // in use now, for gc's --keep-days
    hit.contents.entries.push_back(hash);
  }
  std::vector<std::string> paths;
  CollectPaths(memo["plan"], &paths);
  for (const std::string& path : paths) {
    if (access(path.c_str(), R_OK) != 0) return std::nullopt;
  }
  hit.contents.plan = memo["plan"];
  hit.contents.state = memo.value("state", nlohmann::json::object());
  hit.contents.json = memo.value("json", false);
  hit.contents.verbose_boot = memo.value("verbose_boot", false);
  return hit;
}

}  // namespace tinyrange::sandbox
