#include "builder/build/build_engine.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "builder/build/build_test_util.h"
#include "builder/build/explain.h"

namespace tinyrange::build {
namespace {

using testing::Probe;
using testing::ProbeOptions;
using testing::ReadFile;
using testing::TempDir;

EngineOptions Options(const TempDir& dir, int jobs = 2) {
  EngineOptions options;
  options.cache_root = dir.path();
  options.jobs = jobs;
  options.io_jobs = 4;
  return options;
}

TEST(BuildEngineTest, BuildsOnceAndReusesTheCacheAcrossEngines) {
  TempDir dir;
  std::atomic<int> builds{0};
  ProbeOptions o;
  o.text = "hello";
  o.counter = &builds;
  std::string first, second;
  {
    BuildEngine engine(Options(dir));
    first = engine.Build(Probe(o));
    EXPECT_EQ(engine.Build(Probe(o)), first);
  }
  {
    BuildEngine engine(Options(dir));
    second = engine.Build(Probe(o));
    EXPECT_TRUE(engine.Records().at(Probe(o)->Hash()).cached);
  }
  EXPECT_EQ(first, second);
  EXPECT_EQ(builds.load(), 1);
  EXPECT_EQ(ReadFile(first), "hello");
}

TEST(BuildEngineTest, AChangedInputRebuildsEverythingDownstream) {
  TempDir dir;
  std::atomic<int> builds{0};
  auto make = [&](const std::string& leaf_text) {
    ProbeOptions leaf;
    leaf.text = leaf_text;
    leaf.counter = &builds;
    ProbeOptions top;
    top.text = "top";
    top.counter = &builds;
    top.inputs = {Probe(leaf)};
    return Probe(top);
  };
  BuildEngine engine(Options(dir));
  EXPECT_EQ(ReadFile(engine.Build(make("a"))), "top+a");
  EXPECT_EQ(builds.load(), 2);
  EXPECT_NE(make("a")->Hash(), make("b")->Hash());
  EXPECT_EQ(ReadFile(engine.Build(make("b"))), "top+b");
  EXPECT_EQ(builds.load(), 4);
  std::string change = ExplainChange(engine.cache(), make("a")->Hash(), make("b"));
  EXPECT_NE(change.find("input 1"), std::string::npos) << change;
  EXPECT_NE(change.find("text: \"a\" -> \"b\""), std::string::npos) << change;
}

TEST(BuildEngineTest, ACachedDefinitionDoesNotLookAtItsInputs) {
  TempDir dir;
  std::atomic<int> builds{0};
  ProbeOptions leaf;
  leaf.text = "leaf";
  leaf.counter = &builds;
  ProbeOptions top;
  top.text = "top";
  top.inputs = {Probe(leaf)};
  std::string out;
  {
    BuildEngine engine(Options(dir));
    out = engine.Build(Probe(top));
  }
  // Remove the input's entry: the top output alone must be enough.
  BuildCache cache(dir.path());
  std::filesystem::remove_all(cache.EntryDir(Probe(leaf)->Hash()));
  BuildEngine engine(Options(dir));
  EXPECT_EQ(engine.Build(Probe(top)), out);
  EXPECT_EQ(builds.load(), 1);
}

TEST(BuildEngineTest, IndependentDefinitionsBuildInParallelAndDuplicatesOnce) {
  TempDir dir;
  std::atomic<int> builds{0}, running{0}, max_running{0};
  std::vector<DefinitionPtr> defs;
  for (int i = 0; i < 4; ++i) {
    ProbeOptions o;
    o.text = "p" + std::to_string(i);
    o.counter = &builds;
    o.sleep_ms = 150;
    o.running = &running;
    o.max_running = &max_running;
    defs.push_back(Probe(o));
    defs.push_back(Probe(o));  // the same definition again: one build
  }
  BuildEngine engine(Options(dir, 2));
  auto outputs = engine.BuildAll(defs);
  EXPECT_EQ(builds.load(), 4);
  EXPECT_GE(max_running.load(), 2);
  EXPECT_EQ(outputs[0], outputs[1]);
}

TEST(BuildEngineTest, AFailureNamesTheChainAndCommitsNothing) {
  TempDir dir;
  ProbeOptions bad;
  bad.text = "bad";
  bad.fail = true;
  ProbeOptions top;
  top.text = "top";
  top.inputs = {Probe(bad)};
  BuildEngine engine(Options(dir));
  try {
    engine.Build(Probe(top));
    FAIL() << "expected a BuildError";
  } catch (const BuildError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("probe bad failed on purpose"), std::string::npos) << message;
    EXPECT_NE(message.find("needed by test_probe"), std::string::npos) << message;
  }
  EXPECT_FALSE(std::filesystem::exists(engine.cache().EntryDir(Probe(bad)->Hash())));
  EXPECT_FALSE(std::filesystem::exists(engine.cache().EntryDir(Probe(top)->Hash())));
  // Nothing left in the temporary area either.
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(engine.cache().root() + "/tmp", ec)) {
    ADD_FAILURE() << "left behind: " << item.path();
  }
}

// A definition that builds more definitions while it builds.
class FanOutDefinition final : public Definition {
 public:
  explicit FanOutDefinition(std::vector<DefinitionPtr> more) : more_(std::move(more)) {}
  std::string Kind() const override { return "test_fan_out"; }
  nlohmann::json Parameters() const override { return {{"n", more_.size()}}; }
  void Build(BuildContext& ctx) const override {
    std::string all;
    for (const std::string& path : ctx.BuildMore(more_)) all += ReadFile(path);
    std::ofstream(ctx.output()) << all;
  }

 private:
  std::vector<DefinitionPtr> more_;
};

TEST(BuildEngineTest, DynamicInputsAreBuiltAndACollectedOneForcesARebuild) {
  TempDir dir;
  std::atomic<int> builds{0};
  std::vector<DefinitionPtr> more;
  for (int i = 0; i < 6; ++i) {
    ProbeOptions o;
    o.text = std::to_string(i);
    o.counter = &builds;
    o.io = i % 2 == 0;
    more.push_back(Probe(o));
  }
  auto fan = std::make_shared<FanOutDefinition>(more);
  {
    // One CPU worker: the fan-out waits for work it queued, so the waiting
    // thread must help or the build would deadlock.
    BuildEngine engine(Options(dir, 1));
    EXPECT_EQ(ReadFile(engine.Build(fan)), "012345");
  }
  EXPECT_EQ(builds.load(), 6);
  BuildCache cache(dir.path());
  std::filesystem::remove_all(cache.EntryDir(more[3]->Hash()));
  BuildEngine engine(Options(dir, 1));
  EXPECT_EQ(ReadFile(engine.Build(fan)), "012345");
  EXPECT_EQ(builds.load(), 7);  // only the collected one was built again
}

TEST(BuildEngineTest, ConcurrentProcessesBuildTheSameDefinitionOnce) {
  TempDir dir;
  std::string count_file = dir.path() + "/count";
  ProbeOptions o;
  o.text = "shared";
  o.count_file = count_file;
  o.sleep_ms = 300;
  std::vector<pid_t> children;
  for (int i = 0; i < 3; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int status = 1;
      try {
        BuildEngine engine(Options(dir));
        status = ReadFile(engine.Build(Probe(o))) == "shared" ? 0 : 3;
      } catch (...) {
        status = 4;
      }
      _exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  std::string lines = ReadFile(count_file);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 1) << lines;
}

TEST(BuildEngineTest, AKilledBuildLeavesNoEntryAndTheNextBuildSucceeds) {
  TempDir dir;
  std::string count_file = dir.path() + "/count";
  ProbeOptions slow;
  slow.text = "slow";
  slow.count_file = count_file;
  slow.sleep_ms = 5000;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    BuildEngine engine(Options(dir));
    engine.Build(Probe(slow));
    _exit(0);
  }
  // Wait until the child is inside Build, then kill it.
  for (int i = 0; i < 500 && ReadFile(count_file).empty(); ++i) usleep(10000);
  ASSERT_FALSE(ReadFile(count_file).empty());
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  BuildCache cache(dir.path());
  EXPECT_FALSE(std::filesystem::exists(cache.EntryDir(Probe(slow)->Hash())));

  ProbeOptions quick = slow;
  quick.sleep_ms = 0;  // same parameters, so the same hash
  ASSERT_EQ(Probe(quick)->Hash(), Probe(slow)->Hash());
  BuildEngine engine(Options(dir));
  EXPECT_EQ(ReadFile(engine.Build(Probe(quick))), "slow");
  // The dead builder's temporary directory is gone.
  for (const auto& item : std::filesystem::directory_iterator(cache.root() + "/tmp")) {
    ADD_FAILURE() << "left behind: " << item.path();
  }
}

}  // namespace
}  // namespace tinyrange::build
