// A memo of a prepared `tr run`, so that a warm run of the same request
// boots without loading the builder module (about 20 ms of mapping shared
// libraries): `tr` reads the memo, checks that nothing it names has gone
// (every cache entry, locked for use while the VM runs, and every file the
// plan names), and boots the plan itself. Written only for runs that need
// nothing back from the guest: no install scripts to run, or their effect
// already cached (a run that captures must finish in the module).
//
// Requests are compared whole: the arguments, the working directory,
// whether stdin and stdout are terminals, and the environment variables
// that change what is prepared. A memo lives at CACHE/runs/<key>.json;
// anything unexpected falls back to the full preparation, which writes a
// new one. Depends on libc, nlohmann-json and the cache paths only, since
// `tr` links it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "builder/download/file_lock.h"

namespace tinyrange::sandbox {

// argv[0] is "run".
nlohmann::json RunMemoRequest(int argc, char** argv);

struct RunMemoContents {
  nlohmann::json plan;   // the VM plan (SerializeVmPlan's JSON)
  nlohmann::json state;  // the prepared state (sandbox/prepare_run.h)
  std::vector<std::string> entries;  // cache entries the plan reads from
  bool json = false;          // --json
  bool verbose_boot = false;  // --verbose-boot
};

// Where the memo of `request` lives.
std::string RunMemoPath(const std::string& cache_root, const nlohmann::json& request);

// (run_memo_writer.cc, in the module: it writes through the cache's atomic
// file helper.) Failures are ignored: the memo is only an optimisation.
void WriteRunMemo(const std::string& cache_root, const nlohmann::json& request, const std::string& tr_version,
                  const RunMemoContents& contents);

// A valid memo, holding the use locks of its entries until destroyed.
struct RunMemoHit {
  RunMemoContents contents;
  std::vector<std::unique_ptr<download::FileLock>> locks;
};

std::optional<RunMemoHit> CheckRunMemo(const std::string& cache_root, const nlohmann::json& request,
                                       const std::string& tr_version);

}  // namespace tinyrange::sandbox
