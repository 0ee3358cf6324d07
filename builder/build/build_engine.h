// Builds definitions: each one at most once per cache (content addressed by
// its hash), independent ones in parallel. CPU-bound work runs on a pool
// sized to the machine, network-bound work (fetches) on a wider pool; a
// thread that waits for results helps run queued work meanwhile, so builds
// that start more builds from inside Build() (a package plan becoming its
// packages) cannot starve the pools.
//
// Two tr processes building the same definition coordinate through the
// cache's per-entry lock (build_cache.h): one builds, the other waits and
// then reuses the entry. Within one engine, equal definitions in flight
// share one node.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "builder/build/build_cache.h"
#include "builder/build/definition.h"
#include "builder/build/vm_runner.h"

namespace tinyrange::download {
class ProgressSink;
}

namespace tinyrange::build {

struct EngineOptions {
  std::string cache_root;  // download::CacheRoot() if empty
  int jobs = 0;            // CPU workers; 0: one per hardware thread
  int io_jobs = 8;         // concurrent fetches
  bool offline = false;    // no network: fetches use the cache or fail
  download::ProgressSink* progress = nullptr;
  // Package indexes loaded by plans are never freed (see PackageRequest::
  // leak_index): for commands that exit after one build.
  bool leak_indexes = false;
  // Receives one line per definition built (not per cache hit).
  std::function<void(const std::string&)> log;
  // Boots the VMs of build_vm definitions (vm_runner.h); without one they fail.
  VmRunner run_vm;
};

// What happened to one definition, for --explain.
struct BuildRecord {
  std::string hash;
  std::string describe;
  bool cached = false;
  bool failed = false;
  double seconds = 0;            // building (not waiting) time
  std::vector<std::string> inputs;  // hashes, static and dynamic
};

class BuildEngine;

// Handed to Definition::Build.
class BuildContext {
 public:
  // Where the output goes (a path inside a temporary directory that does
  // not exist yet; a directory output creates it).
  const std::string& output() const { return output_; }
  // Output paths of Definition::Inputs(), in order.
  const std::string& input(size_t i) const { return inputs_.at(i); }
  size_t input_count() const { return inputs_.size(); }
  // A scratch directory, removed after the build.
  const std::string& scratch() const { return scratch_; }
  // Builds more definitions discovered while building (dynamic inputs)
  // and returns their output paths. They are recorded in the entry, which
  // counts as missing later if one of them has been collected.
  std::vector<std::string> BuildMore(const std::vector<DefinitionPtr>& definitions);
  BuildEngine& engine() { return *engine_; }
  const EngineOptions& options() const;

 private:
  friend class BuildEngine;
  BuildEngine* engine_ = nullptr;
  std::string output_, scratch_;
  std::vector<std::string> inputs_;
  std::vector<std::string> dynamic_inputs_;  // hashes
};

class BuildEngine {
 public:
  explicit BuildEngine(EngineOptions options);
  ~BuildEngine();
  BuildEngine(const BuildEngine&) = delete;
  BuildEngine& operator=(const BuildEngine&) = delete;

  // Builds (or finds in the cache) and returns the output path. Throws
  // BuildError naming the definition that failed and why.
  std::string Build(const DefinitionPtr& definition);
  std::vector<std::string> BuildAll(const std::vector<DefinitionPtr>& definitions);

  BuildCache& cache() { return cache_; }
  const EngineOptions& options() const { return options_; }
  // Every definition this engine has finished, keyed by hash.
  std::unordered_map<std::string, BuildRecord> Records() const;

 private:
  struct Node;
  Node* Submit(const DefinitionPtr& definition);  // mu_ held
  void Enqueue(Node* node);                        // mu_ held
  void Finish(Node* node, bool ok);                // mu_ held
  void Wait(const std::vector<Node*>& nodes);
  bool RunOneQueued(std::unique_lock<std::mutex>& lock, bool io_only, bool cpu_only);
  void Run(Node* node);
  void BuildInto(Node* node, BuildCache::Hold& hold);
  void Worker(bool io);

  EngineOptions options_;
  BuildCache cache_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, std::unique_ptr<Node>> nodes_;
  std::deque<Node*> cpu_ready_, io_ready_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
};

}  // namespace tinyrange::build
