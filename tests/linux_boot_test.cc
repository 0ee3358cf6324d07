// Linux boots under `tr vm` with guest-init: the minimal kernel from
// kernel-config/ (both its vmlinux through PVH and its bzImage through the
// 64-bit entry) and, when given, the Debian cloud kernel.
//
// Opt-in with TR_SLOW_TESTS=1: where KVM emulates guest kernel code (as on
// this project's development machines) each boot takes minutes; on
// hardware virtualization it takes well under a second. The kernel comes
// from TR_MINIMAL_KERNEL_DIR or scripts/build-kernel.sh's cache; the Debian
// kernel from TR_DEBIAN_KERNEL (a vmlinuz path; scripts/fetch-debian-kernel.sh).
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

std::string MinimalKernelDir() {
  if (const char* d = std::getenv("TR_MINIMAL_KERNEL_DIR")) return d;
  ProcessResult r = RunProcess({"/bin/bash", PROJECT_SOURCE_DIR "/scripts/build-kernel.sh", "--print-path"});
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  auto nl = out.rfind('\n');
  return r.exit_code == 0 ? out.substr(nl == std::string::npos ? 0 : nl + 1) : "";
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
                    std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {TR_BINARY, "vm", "--kernel", kernel_, "--memory", "256",
                                     "--bzimage-entry", GetParam().bzimage_entry,
                                     "--file", "/bin/busybox:/bin/busybox", "--timeout", "1500"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    return RunProcess(argv, input, std::chrono::seconds(1600));
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

TEST(DebianKernelBootTest, BootsTheCloudKernel) {
  if (!SlowTestsEnabled()) GTEST_SKIP() << "Linux boot tests are opt-in: TR_SLOW_TESTS=1";
  const char* kernel = std::getenv("TR_DEBIAN_KERNEL");
  if (!kernel) FAIL() << "set TR_DEBIAN_KERNEL to a Debian cloud vmlinuz (scripts/fetch-debian-kernel.sh prints one)";
  TR_REQUIRE_KVM();
  ProcessResult r = RunProcess({TR_BINARY, "vm", "--kernel", kernel, "--memory", "512", "--cpus", "2",
                                "--file", "/bin/busybox:/bin/busybox", "--timeout", "3000", "--",
                                "/bin/busybox", "sh", "-c", "echo debian kernel $(/bin/busybox uname -r); exit 3"},
                               "", std::chrono::seconds(3100));
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("debian kernel 6.1"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tinyrange
