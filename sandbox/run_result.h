// The result record of one `tr run` (--json): the exit status, how the VM
// ended, the time each phase took and what came from the cache.
//
//   {"exit_status": 0, "stop": "exit-status",
//    "post_install_state": "cached" | "none" | "captured: stored" | ...,
//    "timings_ms": {"prepare", "plan", "fetch", "convert", "assemble",
//                   "boot", "unpack", "scripts", "command", "total"},
//    "cache": {"built": N, "cached": M}}
// A phase the run did not reach is absent from timings_ms.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tinyrange::sandbox {

// `state` is the prepared state and `outcome` tr's outcome
// (sandbox/prepare_run.h).
nlohmann::json MakeRunResult(const nlohmann::json& state, const nlohmann::json& outcome,
                             const std::string& post_install_state);

}  // namespace tinyrange::sandbox
