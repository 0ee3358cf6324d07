// Linux boots under `tr vm` with guest-init: Debian's cloud kernel (every
// run; fetched by scripts/fetch-debian-kernel.sh unless TR_DEBIAN_KERNEL
// names a vmlinuz) and the minimal kernel from kernel-config/ (its vmlinux
// through PVH, its bzImage through the 64-bit entry and decompressed on the
// host). The minimal-kernel tests are opt-in with TR_SLOW_TESTS=1 (ctest
// label "slow"): they need scripts/build-kernel.sh's kernel, a 15-minute
// build; it comes from TR_MINIMAL_KERNEL_DIR or that script's cache.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/support/kvm_required.h"
#include "tests/support/subprocess.h"

namespace tinyrange {
namespace {

using testing::ProcessResult;
using testing::RunProcess;

bool SlowTestsEnabled() {
  const char* v = std::getenv("TR_SLOW_TESTS");
  return v && std::string(v) == "1";
}

std::string LastLine(std::string out) {
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  auto nl = out.rfind('\n');
  return out.substr(nl == std::string::npos ? 0 : nl + 1);
}

std::string DebianKernel() {
  if (const char* k = std::getenv("TR_DEBIAN_KERNEL")) return k;
  ProcessResult r = RunProcess({"/bin/bash", PROJECT_SOURCE_DIR "/scripts/fetch-debian-kernel.sh"}, "",
                               std::chrono::seconds(600));
  return r.exit_code == 0 ? LastLine(r.out) : "";
}

std::string MinimalKernelDir() {
  if (const char* d = std::getenv("TR_MINIMAL_KERNEL_DIR")) return d;
  ProcessResult r = RunProcess({"/bin/bash", PROJECT_SOURCE_DIR "/scripts/build-kernel.sh", "--print-path"});
  return r.exit_code == 0 ? LastLine(r.out) : "";
}

// `tr vm` with busybox as the guest's one file: the options, then the command
// (given a minute more than its own --timeout).
ProcessResult RunTrVm(const std::vector<std::string>& options, const std::vector<std::string>& extra,
                      const std::vector<std::string>& command, const std::string& input, int timeout_s) {
  std::vector<std::string> argv = {TR_BINARY, "vm", "--file", "/bin/busybox:/bin/busybox", "--timeout",
                                   std::to_string(timeout_s)};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return RunProcess(argv, input, std::chrono::seconds(timeout_s + 60));
}

struct KernelVariant {
  const char* name;
  const char* file;
  const char* bzimage_entry;
};

void PrintTo(const KernelVariant& v, std::ostream* os) { *os << v.name; }

// The vmlinux through PVH; the bzImage through the 64-bit entry (the guest
// decompresses itself); the bzImage decompressed on the host, then PVH.
const KernelVariant kVariants[] = {
    {"VmlinuxPvh", "vmlinux", "auto"},
    {"BzImageLinux64", "bzImage", "linux64"},
    {"BzImageHostDecompressed", "bzImage", "pvh"},
};

class LinuxBootTest : public ::testing::TestWithParam<KernelVariant> {
 protected:
  void SetUp() override {
    if (!SlowTestsEnabled()) GTEST_SKIP() << "Linux boot tests are opt-in: TR_SLOW_TESTS=1";
    TR_REQUIRE_KVM();
    std::string dir = MinimalKernelDir();
    if (dir.empty()) FAIL() << "the minimal kernel is not built: run scripts/build-kernel.sh";
    kernel_ = dir + "/" + GetParam().file;
    ASSERT_TRUE(std::filesystem::exists(kernel_)) << kernel_;
  }

  ProcessResult Run(const std::vector<std::string>& command, const std::string& input = "",
                    const std::vector<std::string>& extra = {}) {
    return RunTrVm({"--kernel", kernel_, "--memory", "256", "--bzimage-entry", GetParam().bzimage_entry}, extra,
                   command, input, 1500);
  }

  std::string kernel_;
};

TEST_P(LinuxBootTest, RunsACommandAndReturnsItsStatusWithTwoCpus) {
  ProcessResult r = Run({"/bin/busybox", "sh", "-c", "echo hello from linux; /bin/busybox nproc; exit 7"}, "",
                        {"--cpus", "2"});
  EXPECT_EQ(r.exit_code, 7) << r.out << r.err;
  EXPECT_NE(r.out.find("hello from linux"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n2"), std::string::npos) << r.out;
}

TEST_P(LinuxBootTest, SerialInputReachesTheCommand) {
  ProcessResult r = Run({"/bin/busybox", "head", "-c", "11"}, "typed input and more\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("typed input"), std::string::npos) << r.out;
}

TEST_P(LinuxBootTest, MissingCommandIs127) {
  ProcessResult r = Run({"/no/such/command"});
  EXPECT_EQ(r.exit_code, 127) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(MinimalKernel, LinuxBootTest, ::testing::ValuesIn(kVariants),
                         [](const ::testing::TestParamInfo<KernelVariant>& param_info) {
                           return std::string(param_info.param.name);
                         });

class DebianKernelBootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TR_REQUIRE_KVM();
    kernel_ = DebianKernel();
    ASSERT_FALSE(kernel_.empty()) << "no Debian kernel: scripts/fetch-debian-kernel.sh failed (or set TR_DEBIAN_KERNEL)";
  }

  ProcessResult Run(const std::vector<std::string>& command, const std::string& input = "",
                    const std::vector<std::string>& extra = {}) {
    return RunTrVm({"--kernel", kernel_, "--memory", "512"}, extra, command, input, 600);
  }

  std::string kernel_;
};

TEST_F(DebianKernelBootTest, BootsTheCloudKernelWithTwoCpus) {
  ProcessResult r = Run({"/bin/busybox", "sh", "-c", "echo debian kernel $(/bin/busybox uname -r); /bin/busybox nproc; exit 3"},
                        "", {"--cpus", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("debian kernel 6.1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n2"), std::string::npos) << r.out;
  // A working boot shows the command's output, not the kernel's complaints.
  EXPECT_EQ((r.out + r.err).find("PCI: Fatal"), std::string::npos) << r.out << r.err;
}

// Input piped in before the guest has booted reaches the command whole: the
// driver's probe and start-up (which reset the UART's FIFOs) must not eat it.
TEST_F(DebianKernelBootTest, SerialInputReachesTheCommand) {
  ProcessResult r = Run({"/bin/busybox", "head", "-c", "11"}, "typed input and more\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("typed input"), std::string::npos) << r.out;
}

TEST_F(DebianKernelBootTest, MissingCommandIs127) {
  ProcessResult r = Run({"/no/such/command"});
  EXPECT_EQ(r.exit_code, 127) << r.out << r.err;
}

}  // namespace
}  // namespace tinyrange
