// The no-op fast path of `tr build FILE.star:NAME`: when the target's memo
// (builder/build/target_memo.h) says nothing it depends on has changed, the
// output path is printed without loading the builder module, whose shared
// libraries alone take longer to map than the whole answer.
#include "cli/build_fast_path.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "builder/build/target_memo.h"
#include "builder/download/cache_paths.h"

namespace tinyrange::cli {

std::optional<int> TryBuildFastPath(int argc, char** argv) {
  // Only the plain form: any option (--explain, -o, --offline, ...) asks
  // for work the module does.
  if (argc != 2) return std::nullopt;
  std::string target = argv[1];
  size_t colon = target.rfind(':');
  if (target.empty() || target[0] == '-' || colon == std::string::npos || colon == 0 || colon + 1 == target.size()) {
    return std::nullopt;
  }
  std::string label = build::TargetLabel(target.substr(0, colon), target.substr(colon + 1));
  auto output = build::CheckTargetMemo(download::CacheRoot(), label, TINYRANGE_VERSION);
  if (!output) return std::nullopt;
  std::printf("%s\n", output->c_str());
  return 0;
}

}  // namespace tinyrange::cli
