// Preparing a run: from a request to a VM plan. Resolves and builds the
// package plan, its install archives (builder/install/) and the kernel
// through the build cache, looks up a cached post-install state, and
// describes the VM: the archive disk, a capture disk when the install
// steps must run, guest-init's settings. After the VM ran, FinishRun
// stores what guest-init captured and makes the result record.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "builder/build/build_cache.h"
#include "builder/build/build_engine.h"
#include "builder/build/build_vm.h"

#include <chrono>
#include "sandbox/run_request.h"
#include "vmm/plan/vm_plan.h"

namespace tinyrange::sandbox {

class PreparedRun {
 public:
  ~PreparedRun();  // removes the capture disk

  VmPlan plan;
  // What the result record needs from this phase: "timings" (plan_ms,
  // fetch_ms, convert_ms, assemble_ms, prepare_ms), "built", "cached",
  // "post_install" (none, cached or run).
  nlohmann::json state;
  // The capture disk guest-init writes the install steps' effect to; empty
  // when the steps need not run.
  std::string capture_disk;
  // The cache entries the plan reads from (all held for use until this is
  // destroyed), for the run memo (sandbox/run_memo.h).
  std::vector<std::string> entries;

 private:
  friend std::unique_ptr<PreparedRun> PrepareRun(const RunRequest& request);
  // The cache entries the VM reads are in use until this is destroyed.
  std::unique_ptr<build::BuildEngine> engine_;
  std::vector<std::unique_ptr<build::BuildCache::Hold>> holds_;
  std::string post_install_;
  int capture_fd_ = -1;  // holds the capture disk's flock
  bool keep_generated_files_ = false;
  std::string scratch_dir_;  // a build_vm run's generated archives
  int scratch_fd_ = -1;      // holds its flock
  static std::unique_ptr<PreparedRun> PrepareVmDefinitionRun(const RunRequest& request,
                                                             const build::VmBuildSpec& spec,
                                                             std::unique_ptr<PreparedRun> prepared,
                                                             std::chrono::steady_clock::time_point start);
  // Where the archive disk has install steps (parts[steps_part]): the
  // cached state of those steps replaces them if there is one, else a
  // capture disk joins the plan. `identities` name the parts for the key
  // (build::PostInstallStateKey). Returns "cached" or "run".
  std::string UsePostInstallState(build::BuildCache& cache, const std::vector<std::string>& identities,
                                  size_t steps_part, PlanDisk* archives, uint64_t* archive_bytes, VmPlan* vm_plan,
                                  PlanInit* init);
  // With request.storage_mib: an ext4 scratch disk for the new root joins
  // the plan (removed when this is destroyed).
  void AddStorageDisk(build::BuildCache& cache, const RunRequest& request, uint64_t archive_bytes, VmPlan* vm_plan,
                      PlanInit* init);
  std::string storage_disk_;
  int storage_fd_ = -1;  // holds the storage disk's flock
  std::string capture_key_;
  std::vector<std::string> capture_archives_;
  friend nlohmann::json FinishRun(PreparedRun& prepared, const nlohmann::json& outcome);
};

// Throws RequestError for a request that cannot work, build::BuildError
// (or starlark::Error for --file) when resolving or building fails.
std::unique_ptr<PreparedRun> PrepareRun(const RunRequest& request);

// How the VM ended, as the runner saw it:
//   {"exit_status": N, "stop": "exit-status" (StopReasonName) or
//    "not-started", "error": "..." (when not started),
//    "marks": [[CODE, NS_SINCE_EPOCH], ...], "vm_start_ns": NS, "vm_end_ns": NS}
// Stores a captured post-install state (errors are printed to stderr and
// noted in the record, never thrown) and returns the result record
// (sandbox/run_result.h).
nlohmann::json FinishRun(PreparedRun& prepared, const nlohmann::json& outcome);

}  // namespace tinyrange::sandbox
