#include <filesystem>

#include "builder/download/cache_file.h"
#include "sandbox/run_memo.h"

namespace tinyrange::sandbox {

void WriteRunMemo(const std::string& cache_root, const nlohmann::json& request, const std::string& tr_version,
                  const RunMemoContents& contents) {
  nlohmann::json memo = {{"request", request},         {"tr_version", tr_version},
                         {"plan", contents.plan},       {"state", contents.state},
                         {"entries", contents.entries}, {"json", contents.json},
                         {"verbose_boot", contents.verbose_boot}};
  std::error_code ec;
  std::filesystem::create_directories(cache_root + "/runs", ec);
  std::string error;
  download::WriteFileAtomically(RunMemoPath(cache_root, request), memo.dump() + "\n", &error);
}

}  // namespace tinyrange::sandbox
