#include "guest-init/install_duty.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "guest-init/fragment_reader.h"
#include "guest-init/fragment_unpacker.h"
#include "guest-init/install_steps.h"
#include "guest-init/test_archives.h"

namespace tinyrange {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace testing;

std::string Rec(std::string_view key, std::string_view value) {
  std::string s(key);
  s.push_back('\0');
  s.append(value);
  s.push_back('\0');
  return s;
}

// A steps file of shell snippets, each run in the root by /bin/sh -c.
std::string ShellSteps(const std::vector<std::pair<std::string, std::string>>& steps) {
  std::string s(kInstallStepsMagic);
  for (const auto& [label, script] : steps) {
    s += Rec("step", label) + Rec("argv", "/bin/sh") + Rec("argv", "-c") + Rec("argv", script);
  }
  return s + Rec("end", "");
}

// The whole guest flow minus the chroot: unpack a disk holding a base
// archive and a steps archive, run the duty, read the capture back.
class InstallDutyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/root";
    fs::create_directories(root_);
  }

  void UnpackWithSteps(const std::string& steps) {
    std::string base = BuildFragment({Dir("etc"), File("etc/base.conf", "base"), Dir("usr"),
                                      Dir("usr/bin"), File("usr/bin/tool", "t", 0755)});
    std::string install = BuildFragment({Dir(".tinyrange", 0700), Dir(".tinyrange/install", 0700),
                                         File(".tinyrange/install/steps", steps, 0600),
                                         File(".tinyrange/install/helper", "h")});
    std::string disk_path = dir_.path() + "/disk";
    std::string disk = BuildArchiveDisk({base, install});
    WriteFile(disk_path, disk);
    int disk_fd = open(disk_path.c_str(), O_RDONLY | O_CLOEXEC);
    int root_fd = open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    UnpackOptions options;
    options.privileged = geteuid() == 0;
    UnpackStats stats;
    char error[512] = "";
    ASSERT_TRUE(
        UnpackArchiveDisk(disk_fd, disk.size(), root_fd, options, &stats, error, sizeof error))
        << error;
    close(disk_fd);
    close(root_fd);
  }

  // Runs the duty with a 1 MiB capture file; returns the console output.
  std::string Run(bool ignore_errors, bool* ok, InstallDutyResult* result) {
    capture_ = dir_.path() + "/capture";
    int capture_fd = open(capture_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_EQ(ftruncate(capture_fd, 1 << 20), 0);
    std::string console = dir_.path() + "/console";
    int console_fd = open(console.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    InstallDutyOptions options;
    options.root = root_.c_str();
    options.ignore_script_errors = ignore_errors;
    options.capture_fd = capture_fd;
    options.console_fd = console_fd;
    *ok = RunInstallDuty(options, result);
    close(capture_fd);
    close(console_fd);
    return ReadFile(console);
  }

  std::vector<std::string> CapturedNames() {
    std::string disk = ReadFile(capture_);
    uint64_t length = fragment::GetU64(reinterpret_cast<const uint8_t*>(disk.data()) + 16);
    int fd = open(capture_.c_str(), O_RDONLY | O_CLOEXEC);
    std::vector<uint8_t> buffer(FragmentReader::kMinBuffer);
    FragmentReader reader(fd, 4096, length, buffer.data(), buffer.size());
    EXPECT_TRUE(reader.Start()) << reader.error();
    static FragmentEntry e;
    std::vector<std::string> names;
    int r;
    while ((r = reader.Next(&e)) == 1) names.push_back(e.name);
    EXPECT_EQ(r, 0) << reader.error();
    close(fd);
    return names;
  }

  TempDir dir_;
  std::string root_;
  std::string capture_;
};

TEST_F(InstallDutyTest, RunsStepsRemovesThemAndCapturesTheirEffect) {
  UnpackWithSteps(
      ShellSteps({{"app: postinst configure",
                   "echo configured > etc/app.conf; test -f .tinyrange/install/helper"},
                  {"app: state", "mkdir -p var/lib/app && echo s > var/lib/app/state"}}));
  bool ok = false;
  InstallDutyResult result;
  std::string console = Run(false, &ok, &result);
  EXPECT_TRUE(ok) << console;
  EXPECT_EQ(console, "");
  EXPECT_TRUE(result.had_steps);
  EXPECT_FALSE(fs::exists(root_ + "/.tinyrange/install"));
  EXPECT_EQ(ReadFile(root_ + "/etc/app.conf"), "configured\n");
  ASSERT_TRUE(result.captured);
  EXPECT_EQ(result.capture.status, CaptureStatus::kComplete);
  EXPECT_THAT(CapturedNames(), ElementsAre(".tinyrange", "etc", "etc/app.conf", "var", "var/lib",
                                           "var/lib/app", "var/lib/app/state"));
}

TEST_F(InstallDutyTest, AFailingStepStopsTheBoot) {
  UnpackWithSteps(
      ShellSteps({{"bad: preinst install", "echo cannot; exit 4"}, {"after", "touch etc/after"}}));
  bool ok = true;
  InstallDutyResult result;
  std::string console = Run(false, &ok, &result);
  EXPECT_FALSE(ok);
  EXPECT_EQ(console,
            "tinyrange: install script failed: bad: preinst install (exit status 4)\ncannot\n");
  EXPECT_FALSE(fs::exists(root_ + "/etc/after"));
  EXPECT_FALSE(result.captured);
}

TEST_F(InstallDutyTest, IgnoredFailuresContinue) {
  UnpackWithSteps(ShellSteps({{"bad", "exit 4"}, {"after", "touch etc/after"}}));
  bool ok = false;
  InstallDutyResult result;
  std::string console = Run(true, &ok, &result);
  EXPECT_TRUE(ok);
  EXPECT_EQ(result.steps_failed, 1u);
  EXPECT_THAT(console, HasSubstr("tinyrange: warning: install script failed: bad (exit status 4)"));
  EXPECT_TRUE(fs::exists(root_ + "/etc/after"));
  EXPECT_FALSE(fs::exists(root_ + "/.tinyrange/install"));
  // Not the plan's state: nothing is handed back for caching.
  EXPECT_FALSE(result.captured);
  EXPECT_THAT(console, HasSubstr("capture: skipped, 1 install script(s) failed"));
  EXPECT_EQ(ReadFile(capture_).substr(0, 8), std::string(8, '\0'));
}

TEST_F(InstallDutyTest, ARemovalMakesTheCaptureNotCacheable) {
  UnpackWithSteps(ShellSteps({{"rm", "rm etc/base.conf"}}));
  bool ok = false;
  InstallDutyResult result;
  std::string console = Run(false, &ok, &result);
  EXPECT_TRUE(ok);
  ASSERT_TRUE(result.captured);
  EXPECT_EQ(result.capture.status, CaptureStatus::kNotCacheable);
  EXPECT_THAT(console, HasSubstr("not cacheable: /etc/base.conf was removed"));
}

TEST_F(InstallDutyTest, NoStepsNoCapture) {
  fs::create_directories(root_ + "/etc");
  bool ok = false;
  InstallDutyResult result;
  EXPECT_EQ(Run(false, &ok, &result), "");
  EXPECT_TRUE(ok);
  EXPECT_FALSE(result.had_steps);
  EXPECT_FALSE(result.captured);
  EXPECT_EQ(ReadFile(capture_), std::string(1 << 20, '\0')) << "the capture disk is untouched";
}

}  // namespace
}  // namespace tinyrange
