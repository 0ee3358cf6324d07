#include "builder/build/build_engine.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "builder/download/cache_paths.h"

namespace tinyrange::build {
namespace fs = std::filesystem;

struct BuildEngine::Node {
  enum class State { kWaiting, kQueued, kRunning, kDone, kFailed };
  DefinitionPtr definition;
  std::string hash;
  State state = State::kWaiting;
  std::vector<Node*> inputs;
  std::vector<Node*> dependents;
  size_t pending = 0;
  std::string error;
  // Held until the engine goes away: the entry is in use.
  std::unique_ptr<BuildCache::Hold> hold;
  std::vector<std::unique_ptr<BuildCache::Hold>> dynamic_holds;
  BuildRecord record;

  bool finished() const { return state == State::kDone || state == State::kFailed; }
};

namespace {

// Every entry in use keeps its lock file open; a large plan holds
// hundreds. Raise the soft descriptor limit to the hard one once.
void RaiseDescriptorLimit() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
    }
  });
}

}  // namespace

std::vector<std::string> BuildContext::BuildMore(const std::vector<DefinitionPtr>& definitions) {
  std::vector<std::string> outputs = engine_->BuildAll(definitions);
  for (const DefinitionPtr& d : definitions) dynamic_inputs_.push_back(d->Hash());
  return outputs;
}

const EngineOptions& BuildContext::options() const { return engine_->options(); }

BuildEngine::BuildEngine(EngineOptions options)
    : options_(std::move(options)),
      cache_(options_.cache_root.empty() ? download::CacheRoot() : options_.cache_root) {
  if (options_.cache_root.empty()) options_.cache_root = download::CacheRoot();
  if (options_.jobs <= 0) options_.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (options_.io_jobs <= 0) options_.io_jobs = 1;
  RaiseDescriptorLimit();
}

BuildEngine::~BuildEngine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

std::string BuildEngine::Build(const DefinitionPtr& definition) { return BuildAll({definition}).front(); }

std::vector<std::string> BuildEngine::BuildAll(const std::vector<DefinitionPtr>& definitions) {
  std::vector<Node*> nodes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const DefinitionPtr& d : definitions) nodes.push_back(Submit(d));
  }
  Wait(nodes);
  std::vector<std::string> outputs;
  std::lock_guard<std::mutex> lock(mu_);
  for (Node* node : nodes) {
    if (node->state == Node::State::kFailed) throw BuildError(node->error);
    outputs.push_back(cache_.OutputPath(node->hash));
  }
  return outputs;
}

BuildEngine::Node* BuildEngine::Submit(const DefinitionPtr& definition) {
  const std::string& hash = definition->Hash();
  auto found = nodes_.find(hash);
  if (found != nodes_.end()) return found->second.get();
  auto owned = std::make_unique<Node>();
  Node* node = owned.get();
  nodes_.emplace(hash, std::move(owned));
  node->definition = definition;
  node->hash = hash;
  node->record.hash = hash;
  node->record.describe = definition->Describe();

  // A usable entry ends it here: its inputs are not even looked at, which
  // is what makes an unchanged rebuild cost a few file system calls.
  try {
    node->hold = cache_.TryAcquire(hash);
  } catch (const std::exception& e) {
    node->error = e.what();
    node->state = Node::State::kFailed;
    node->record.failed = true;
    return node;
  }
  if (node->hold && node->hold->exists()) {
    bool usable = true;
    if (auto meta = cache_.ReadMeta(hash); meta && meta->contains("dynamic")) {
      for (const auto& dynamic : (*meta)["dynamic"]) {
        std::string dynamic_hash = dynamic.get<std::string>();
        auto dynamic_hold = cache_.Acquire(dynamic_hash);
        if (!dynamic_hold->exists()) usable = false;
        node->dynamic_holds.push_back(std::move(dynamic_hold));
        node->record.inputs.push_back(dynamic_hash);
      }
    }
    if (usable) {
      for (const DefinitionPtr& input : definition->Inputs()) node->record.inputs.push_back(input->Hash());
      node->state = Node::State::kDone;
      node->record.cached = true;
      return node;
    }
    node->dynamic_holds.clear();
    node->record.inputs.clear();
  }

  for (const DefinitionPtr& input : definition->Inputs()) {
    Node* input_node = Submit(input);
    node->inputs.push_back(input_node);
    node->record.inputs.push_back(input_node->hash);
  }
  for (Node* input_node : node->inputs) {
    if (input_node->state == Node::State::kFailed) {
      node->error = input_node->error + "\n  needed by " + node->record.describe;
      node->state = Node::State::kFailed;
      node->record.failed = true;
      return node;
    }
  }
  for (Node* input_node : node->inputs) {
    if (input_node->state != Node::State::kDone) {
      ++node->pending;
      input_node->dependents.push_back(node);
    }
  }
  if (node->pending == 0) Enqueue(node);
  return node;
}

void BuildEngine::Enqueue(Node* node) {
  node->state = Node::State::kQueued;
  (node->definition->IoBound() ? io_ready_ : cpu_ready_).push_back(node);
  // Workers start with the first real work, so a build served entirely
  // from the cache starts no threads.
  if (workers_.empty()) {
    for (int i = 0; i < options_.jobs; ++i) workers_.emplace_back(&BuildEngine::Worker, this, false);
    for (int i = 0; i < options_.io_jobs; ++i) workers_.emplace_back(&BuildEngine::Worker, this, true);
  }
  cv_.notify_all();
}

void BuildEngine::Finish(Node* node, bool ok) {
  node->state = ok ? Node::State::kDone : Node::State::kFailed;
  node->record.failed = !ok;
  for (Node* dependent : node->dependents) {
    if (dependent->finished()) continue;
    if (!ok) {
      dependent->error = node->error + "\n  needed by " + dependent->record.describe;
      Finish(dependent, false);
    } else if (--dependent->pending == 0) {
      Enqueue(dependent);
    }
  }
  cv_.notify_all();
}

bool BuildEngine::RunOneQueued(std::unique_lock<std::mutex>& lock, bool io_only, bool cpu_only) {
  std::deque<Node*>* queue = nullptr;
  if (!io_only && !cpu_ready_.empty()) queue = &cpu_ready_;
  else if (!cpu_only && !io_ready_.empty()) queue = &io_ready_;
  if (!queue) return false;
  Node* node = queue->front();
  queue->pop_front();
  node->state = Node::State::kRunning;
  lock.unlock();
  Run(node);
  lock.lock();
  return true;
}

void BuildEngine::Wait(const std::vector<Node*>& nodes) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    bool all = true;
    for (Node* node : nodes) all = all && node->finished();
    if (all) return;
    // Waiting threads help, so nested builds never run out of workers.
    if (!RunOneQueued(lock, false, false)) cv_.wait(lock);
  }
}

void BuildEngine::Worker(bool io) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (!RunOneQueued(lock, io, !io)) cv_.wait(lock);
  }
}

void BuildEngine::Run(Node* node) {
  bool ok = true;
  std::string error;
  try {
    auto usable = [&] {
      auto meta = cache_.ReadMeta(node->hash);
      if (!meta) return false;
      if (meta->contains("dynamic")) {
        for (const auto& dynamic : (*meta)["dynamic"]) {
          if (!fs::exists(cache_.EntryDir(dynamic.get<std::string>()) + "/meta.json")) return false;
        }
      }
      return true;
    };
    // Null when another process was building it at Submit time.
    if (!node->hold) node->hold = cache_.Acquire(node->hash);
    if ((node->hold->exists() && usable()) || node->hold->Claim(usable)) {
      node->record.cached = true;  // another process built it meanwhile
    } else {
      BuildInto(node, *node->hold);
    }
  } catch (const std::exception& e) {
    ok = false;
    error = node->record.describe + ": " + e.what();
    // A failed build may still hold its entry's lock exclusively; others
    // (a later engine, another tr) must be free to try again.
    node->hold.reset();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!ok) node->error = error;
  Finish(node, ok);
}

void BuildEngine::BuildInto(Node* node, BuildCache::Hold& hold) {
  std::string temp = hold.MakeTemporaryDir();
  BuildContext context;
  context.engine_ = this;
  context.output_ = temp + "/out";
  context.scratch_ = temp + "/scratch";
  for (Node* input : node->inputs) context.inputs_.push_back(cache_.OutputPath(input->hash));
  auto start = std::chrono::steady_clock::now();
  try {
    fs::create_directories(context.scratch_);
    node->definition->Build(context);
    if (!fs::exists(fs::symlink_status(context.output_))) throw BuildError("the build produced no output");
    std::error_code ec;
    fs::remove_all(context.scratch_, ec);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json meta = {
        {"definition", node->definition->Canonical()},
        {"describe", node->record.describe},
        {"created", static_cast<int64_t>(time(nullptr))},
        {"seconds", seconds},
        {"size", PathSize(context.output_)},
    };
    if (!context.dynamic_inputs_.empty()) meta["dynamic"] = context.dynamic_inputs_;
    hold.Commit(temp, meta);
    node->record.seconds = seconds;
    for (const std::string& h : context.dynamic_inputs_) node->record.inputs.push_back(h);
    if (options_.log) {
      char line[64];
      std::snprintf(line, sizeof line, " (%.2f s)", seconds);
      options_.log("built " + node->record.describe + line);
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(temp, ec);
    throw;
  }
}

std::unordered_map<std::string, BuildRecord> BuildEngine::Records() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::unordered_map<std::string, BuildRecord> records;
  for (const auto& [hash, node] : nodes_) {
    if (node->finished()) records.emplace(hash, node->record);
  }
  return records;
}

}  // namespace tinyrange::build
