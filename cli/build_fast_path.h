// `tr build FILE.star:NAME` answered from the target memo when nothing has
// changed (build_fast_path.cc).
#pragma once

#include <optional>

namespace tinyrange::cli {

// argv[0] is "build". The exit status if the fast path answered; nullopt
// when the builder module must do the work.
std::optional<int> TryBuildFastPath(int argc, char** argv);

}  // namespace tinyrange::cli
