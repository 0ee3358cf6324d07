// Shared by the build system's tests: a private cache directory per test
// and a definition whose builds can be counted, slowed down and failed.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "builder/build/build_engine.h"
#include "builder/build/definition.h"
#include "builder/download/cache_file.h"

namespace tinyrange::build::testing {

class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/tr-build-test-XXXXXX";
    path_ = mkdtemp(templ);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes "TEXT + inputs' contents" to its output, counting builds in a
// shared counter and, optionally, in a file (for builds in other
// processes); can sleep and fail on purpose.
struct ProbeOptions {
  std::string text;
  std::vector<DefinitionPtr> inputs;
  std::atomic<int>* counter = nullptr;
  std::string count_file;  // a line is appended per build
  int sleep_ms = 0;
  bool fail = false;
  std::atomic<int>* running = nullptr;      // currently building
  std::atomic<int>* max_running = nullptr;  // the most seen at once
  bool io = false;
};

class ProbeDefinition final : public Definition {
 public:
  explicit ProbeDefinition(ProbeOptions options) : options_(std::move(options)) {}
  std::string Kind() const override { return "test_probe"; }
  nlohmann::json Parameters() const override { return {{"text", options_.text}}; }
  std::vector<DefinitionPtr> Inputs() const override { return options_.inputs; }
  bool IoBound() const override { return options_.io; }
  void Build(BuildContext& ctx) const override {
    if (options_.running) {
      int now = ++*options_.running;
      int seen = options_.max_running->load();
      while (now > seen && !options_.max_running->compare_exchange_weak(seen, now)) {
      }
    }
    if (options_.counter) ++*options_.counter;
    if (!options_.count_file.empty()) {
      std::ofstream(options_.count_file, std::ios::app) << getpid() << "\n";
    }
    if (options_.sleep_ms) std::this_thread::sleep_for(std::chrono::milliseconds(options_.sleep_ms));
    if (options_.running) --*options_.running;
    if (options_.fail) throw BuildError("probe " + options_.text + " failed on purpose");
    std::string contents = options_.text;
    for (size_t i = 0; i < ctx.input_count(); ++i) {
      std::string input;
      download::ReadWholeFile(ctx.input(i), &input);
      contents += "+" + input;
    }
    std::ofstream(ctx.output()) << contents;
  }

 private:
  ProbeOptions options_;
};

inline DefinitionPtr Probe(ProbeOptions options) { return std::make_shared<ProbeDefinition>(std::move(options)); }

inline std::string ReadFile(const std::string& path) {
  std::string contents;
  download::ReadWholeFile(path, &contents);
  return contents;
}

}  // namespace tinyrange::build::testing
