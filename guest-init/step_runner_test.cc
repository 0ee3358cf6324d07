#include "guest-init/step_runner.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "guest-init/test_archives.h"

namespace tinyrange {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Rec(std::string_view key, std::string_view value) {
  std::string s(key);
  s.push_back('\0');
  s.append(value);
  s.push_back('\0');
  return s;
}

struct Step {
  std::string label;
  std::vector<std::string> argv;
  std::vector<std::string> env = {};
};

std::string Encode(const std::vector<Step>& steps) {
  std::string s(kInstallStepsMagic);
  for (const Step& step : steps) {
    s += Rec("step", step.label);
    for (const auto& a : step.argv) s += Rec("argv", a);
    for (const auto& e : step.env) s += Rec("env", e);
  }
  return s + Rec("end", "");
}

// Runs the steps with output into a temporary file; returns that output.
std::string RunSteps(const std::string& steps, const std::string& cwd, bool ignore,
                     StepsOutcome* outcome) {
  testing::TempDir dir;
  std::string log = dir.path() + "/console";
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  *outcome = RunInstallSteps(steps, cwd.c_str(), ignore, fd);
  close(fd);
  return testing::ReadFile(log);
}

TEST(StepRunnerTest, EnvironmentIsTheBasePlusOverrides) {
  std::string data =
      Encode({{"s", {"/bin/x"}, {"HOME=/home/pkg", "NEW=1", "LANG=C.UTF-8", "NEW=2"}}});
  InstallStepsReader reader(data);
  InstallStepView step;
  ASSERT_TRUE(reader.Next(&step));
  std::vector<const char*> envp(StepEnvSlots(step));
  BuildStepEnv(step, envp.data());
  std::vector<std::string> env = {};
  for (const char** e = envp.data(); *e; ++e) env.emplace_back(*e);
  EXPECT_EQ(env, (std::vector<std::string>{
                     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                     "HOME=/home/pkg", "TERM=linux", "LANG=C.UTF-8", "NEW=2"}));
  std::vector<const char*> argv(StepArgvSlots(step));
  BuildStepArgv(step, argv.data());
  EXPECT_STREQ(argv[0], "/bin/x");
  EXPECT_EQ(argv[1], nullptr);
}

TEST(StepRunnerTest, SucceedingStepsPrintNothing) {
  testing::TempDir root;
  std::string marker = root.path() + "/ran";
  StepsOutcome outcome;
  std::string out =
      RunSteps(Encode({{"first", {"/bin/sh", "-c", "echo noisy; echo err >&2; pwd > " + marker}},
                       {"second", {"/bin/true"}}}),
               root.path(), false, &outcome);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.steps_run, 2u);
  EXPECT_EQ(out, "");
  EXPECT_EQ(testing::ReadFile(marker), root.path() + "\n") << "runs in the given directory";
}

TEST(StepRunnerTest, FailingStepShowsLabelStatusAndOutput) {
  testing::TempDir root;
  StepsOutcome outcome;
  std::string out =
      RunSteps(Encode({{"busybox: postinst configure",
                        {"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; read x; exit 3"}},
                       {"never", {"/bin/sh", "-c", "echo should-not-run"}}}),
               root.path(), false, &outcome);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.steps_run, 1u);
  EXPECT_EQ(outcome.steps_failed, 1u);
  EXPECT_EQ(out,
            "tinyrange: install script failed: busybox: postinst configure (exit status 3)\n"
            "to-stdout\nto-stderr\n");
}

TEST(StepRunnerTest, IgnoredFailuresWarnAndGoOn) {
  testing::TempDir root;
  StepsOutcome outcome;
  std::string out = RunSteps(Encode({{"bad", {"/bin/sh", "-c", "printf oops; kill -9 $$"}},
                                     {"missing", {"/nonexistent/program"}},
                                     {"good", {"/bin/sh", "-c", "echo fine"}}}),
                             root.path(), true, &outcome);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.steps_run, 3u);
  EXPECT_EQ(outcome.steps_failed, 2u);
  EXPECT_THAT(
      out,
      HasSubstr("tinyrange: warning: install script failed: bad (killed by signal 9)\noops\n"));
  EXPECT_THAT(out,
              HasSubstr("tinyrange: warning: install script failed: missing (exit status 127)\n"
                        "tinyrange: cannot run /nonexistent/program: No such file or directory\n"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("fine")));
}

TEST(StepRunnerTest, EnvReachesTheStep) {
  testing::TempDir root;
  StepsOutcome outcome;
  std::string out =
      RunSteps(Encode({{"env",
                        {"/bin/sh", "-c", "echo \"$HOME $TERM $DPKG_X $LANG\"; exit 1"},
                        {"DPKG_X=yes", "HOME=/nowhere"}}}),
               root.path(), false, &outcome);
  EXPECT_THAT(out, HasSubstr("\n/nowhere linux yes C\n"));
}

TEST(StepRunnerTest, OutputKeepsTheLast64KiB) {
  testing::TempDir root;
  StepsOutcome outcome;
  // 200000 bytes of "x", then the tail that matters.
  std::string out =
      RunSteps(Encode({{"loud",
                        {"/bin/sh", "-c",
                         "head -c 200000 /dev/zero | tr '\\0' x; echo; echo THE-END; exit 2"}}}),
               root.path(), false, &outcome);
  EXPECT_THAT(out, HasSubstr("[... output truncated to its last 64 KiB]\n"));
  EXPECT_THAT(out, HasSubstr("x\nTHE-END\n"));
  EXPECT_LT(out.size(), kStepOutputLimit + 200);
  EXPECT_GT(out.size(), kStepOutputLimit);
}

TEST(StepRunnerTest, ADaemonHoldingThePipeDoesNotHang) {
  testing::TempDir root;
  StepsOutcome outcome;
  std::string out = RunSteps(Encode({{"daemon", {"/bin/sh", "-c", "sleep 3 & echo started"}}}),
                             root.path(), false, &outcome);
  EXPECT_TRUE(outcome.ok);
}

int hook_marker_fd = -1;
void WriteMarker() { (void)!write(hook_marker_fd, "hook\n", 5); }

TEST(StepRunnerTest, InChildHookRunsBeforeExec) {
  testing::TempDir root;
  std::string marker = root.path() + "/hook";
  hook_marker_fd = open(marker.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  std::string data = Encode({{"s", {"/bin/true"}}, {"t", {"/bin/true"}}});
  StepsOutcome outcome = RunInstallSteps(data, root.path().c_str(), false, 2, WriteMarker);
  close(hook_marker_fd);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(testing::ReadFile(marker), "hook\nhook\n");
}

TEST(StepRunnerTest, MalformedStepsFileFails) {
  testing::TempDir root;
  StepsOutcome outcome;
  std::string out = RunSteps("not steps", root.path(), false, &outcome);
  EXPECT_FALSE(outcome.ok);
  EXPECT_THAT(out, StartsWith("tinyrange: /.tinyrange/install/steps: bad magic"));
}

}  // namespace
}  // namespace tinyrange

namespace tinyrange {
namespace {

TEST(StepRunnerInterpreterTest, AMissingInterpreterIsNamed) {
  testing::TempDir root;
  std::string script = root.path() + "/postinst";
  {
    int fd = open(script.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    ASSERT_GE(fd, 0);
    std::string text = "#!/no/such/shell -e\nexit 0\n";
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
  }
  StepsOutcome outcome;
  std::string out = RunSteps(Encode({{"pkg: postinst configure", {script, "configure"}}}), root.path(), false, &outcome);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(out.find("its interpreter (/no/such/shell -e) is not in the root"), std::string::npos) << out;
}

}  // namespace
}  // namespace tinyrange
