// Real-KVM tests: `tr vm` boots the freestanding test guest (tests/guests)
// through both entry protocols and checks what it prints and returns.
// These run the CLI end to end, as a user would.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/kvm_required.h"
#include "tests/support/subprocess.h"

namespace tinyrange {
namespace {

using testing::ProcessResult;
using testing::RunProcess;

struct GuestFormat {
  const char* name;
  const char* path;
  const char* entry;  // what the guest reports
};

void PrintTo(const GuestFormat& f, std::ostream* os) { *os << f.name; }

const GuestFormat kFormats[] = {
    {"Pvh", TEST_GUEST_PVH, "pvh"},
    {"BzImage", TEST_GUEST_BZIMAGE, "linux64"},
};

class VmBootTest : public ::testing::TestWithParam<GuestFormat> {
 protected:
  void SetUp() override { TR_REQUIRE_KVM(); }

  ProcessResult Boot(const std::string& append, std::vector<std::string> extra = {},
                     const std::string& input = "") {
    std::vector<std::string> argv = {TR_BINARY, "vm", "--kernel", GetParam().path, "--memory", "64",
                                     "--no-default-cmdline", "--append", append, "--timeout", "60"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv, input, std::chrono::seconds(90));
  }

  static std::string Value(const std::string& out, const std::string& key) {
    std::smatch m;
    if (std::regex_search(out, m, std::regex("(^|\\n)" + key + "=([^\\n]*)"))) return m[2];
    return "<missing " + key + ">";
  }
};

TEST_P(VmBootTest, PrintsOnTheSerialConsoleAndExitsZero) {
  ProcessResult r = Boot("test=hello");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::string("test guest: entry=") + GetParam().entry + " test=hello"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("hello from the test guest\n"), std::string::npos) << r.out;
}

TEST_P(VmBootTest, GuestExitStatusBecomesOurs) {
  for (int status : {1, 42, 255}) {
    ProcessResult r = Boot("test=exit status=" + std::to_string(status));
    EXPECT_EQ(r.exit_code, status) << r.err;
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

uint32_t Fnv1a(const std::string& data) {
  uint32_t h = 2166136261u;
  for (unsigned char c : data) h = (h ^ c) * 16777619u;
  return h;
}

TEST_P(VmBootTest, BootInformationReachesTheGuest) {
  std::string part1(5000, 'a'), part2 = "second part";
  std::string path = ::testing::TempDir() + "/vm_boot_initrd_" + std::to_string(getpid());
  std::ofstream(path, std::ios::binary) << part1;
  // An initrd in two parts: one file, one more file; each 4-byte aligned.
  std::string path2 = path + ".2";
  std::ofstream(path2, std::ios::binary) << part2;
  ProcessResult r = Boot("test=bootinfo", {"--initrd", path, "--initrd", path2, "--cpus", "3"});
  std::remove(path.c_str());
  std::remove(path2.c_str());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string expected = part1 + std::string((4 - part1.size() % 4) % 4, '\0') + part2;
  EXPECT_EQ(Value(r.out, "header_ok"), "1");
  EXPECT_EQ(Value(r.out, "initrd_size"), std::to_string(expected.size()));
  char fnv[16];
  std::snprintf(fnv, sizeof fnv, "0x%x", Fnv1a(expected));
  EXPECT_EQ(Value(r.out, "initrd_fnv"), fnv);
  // 64 MiB minus the 385 KiB hole below 1 MiB, rounded down.
  EXPECT_EQ(Value(r.out, "ram_mib"), "63");
  EXPECT_EQ(Value(r.out, "madt_cpus"), "3");
}

TEST_P(VmBootTest, SerialInputReachesTheGuest) {
  ProcessResult r = Boot("test=serial-echo", {}, "hello guest\n");
  EXPECT_EQ(r.exit_code, 11) << r.err;
  EXPECT_NE(r.out.find("HELLO GUEST\n"), std::string::npos) << r.out;
}

TEST_P(VmBootTest, CpuidAndMsrsAreSetUp) {
  ProcessResult r = Boot("test=cpuid");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Value(r.out, "signature"), "KVMKVMKVM");
  EXPECT_EQ(Value(r.out, "mtrr_def_type"), "0x806");  // MTRRs enabled, write-back default
}

TEST_P(VmBootTest, UnknownPortsAndAddressesAreHarmless) {
  ProcessResult r = Boot("test=unknown-devices");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Value(r.out, "unknown_port"), "0xffffffff");
}

// Exceptions raised by int3 reach the guest's handler, and lock
// cmpxchg16b works: both are needed by Linux, and both need the VMM's
// emulation fallback on hypervisors that cannot emulate them.
TEST_P(VmBootTest, BreakpointReachesTheGuestHandler) {
  ProcessResult r = Boot("test=breakpoint");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Value(r.out, "breakpoints"), "2");
}

TEST_P(VmBootTest, Cmpxchg16bCompletes) {
  ProcessResult r = Boot("test=cmpxchg16b");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Value(r.out, "swap"), "1");
  EXPECT_EQ(Value(r.out, "no_swap"), "1");
}

// A guest driver reads, writes and flushes a virtio-blk disk through the
// real KVM path: MMIO exits, the transport, the queue and the file.
TEST_P(VmBootTest, VirtioBlockReadWriteFlush) {
  std::string path = ::testing::TempDir() + "/vm_boot_disk_" + std::to_string(getpid()) + ".img";
  std::string content = "tinyrange disk!!" + std::string(64 * 1024 - 16, '\0');
  std::ofstream(path, std::ios::binary) << content;
  ProcessResult r = Boot("test=virtio-blk", {"--disk", path + ",id=test"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Value(r.out, "capacity"), "128");
  EXPECT_EQ(Value(r.out, "read_status"), "0");
  EXPECT_EQ(Value(r.out, "sector0"), "tinyrange disk!!");
  EXPECT_EQ(Value(r.out, "write_status"), "0");
  EXPECT_EQ(Value(r.out, "flush_status"), "0");
  std::string after = ReadFile(path);
  EXPECT_EQ(after.substr(512, 512), std::string(512, 'T'));
  // Read-only: the write fails with IOERR and the file is untouched.
  std::ofstream(path, std::ios::binary) << content;
  r = Boot("test=virtio-blk", {"--disk", path + ",ro"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Value(r.out, "write_status"), "1");
  EXPECT_EQ(ReadFile(path), content);
  std::remove(path.c_str());
}

TEST_P(VmBootTest, VirtioDevicesOnTheCommandLineWhenAsked) {
  std::string path = ::testing::TempDir() + "/vm_cmdline_disk_" + std::to_string(getpid()) + ".img";
  std::ofstream(path, std::ios::binary) << std::string(4096, '\0');
  ProcessResult r = Boot("test=cmdline", {"--console", "virtio", "--disk", path, "--virtio-cmdline"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"), std::string::npos)
      << r.out;
  r = Boot("test=cmdline", {"--disk", path});
  EXPECT_EQ(r.out.find("virtio_mmio.device="), std::string::npos) << r.out;
  std::remove(path.c_str());
}

// The console on virtio-console: output and input through virtqueues.
TEST_P(VmBootTest, VirtioConsoleCarriesOutputAndInput) {
  ProcessResult r = Boot("test=virtio-console", {"--console", "virtio"}, "ping\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("hello over virtio-console\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("got: ping\n"), std::string::npos) << r.out;
}

// An archive disk assembled from two host files, through a plan file.
TEST_P(VmBootTest, ArchiveDiskFromAPlan) {
  std::string dir = ::testing::TempDir();
  std::string a = dir + "/archive_a_" + std::to_string(getpid()), b = a + "_b";
  std::ofstream(a, std::ios::binary) << "first archive";
  std::ofstream(b, std::ios::binary) << "second archive";
  std::string plan = a + ".json";
  std::ofstream(plan) << R"({"version": 1, "kernel": ")" << GetParam().path
                      << R"(", "memory_mib": 64, "default_cmdline": false, "cmdline": "test=virtio-blk",
                           "timeout_ms": 60000, "disks": [{"parts": [")" << a << R"(", ")" << b << R"("]}]})";
  ProcessResult r = RunProcess({TR_BINARY, "vm", "--plan", plan}, "", std::chrono::seconds(90));
  std::remove(a.c_str());
  std::remove(b.c_str());
  std::remove(plan.c_str());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Value(r.out, "capacity"), "24");  // header page + two file pages, in sectors
  EXPECT_EQ(Value(r.out, "sector0").substr(0, 8), "TRARCHV1");
  EXPECT_EQ(Value(r.out, "write_status"), "1");  // read-only
}

TEST_P(VmBootTest, AcpiPowerOffEndsTheVm) {
  ProcessResult r = Boot("test=poweroff", {"--stats"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("end: power-off"), std::string::npos) << r.err;
}

TEST_P(VmBootTest, KeyboardControllerResetEndsTheVm) {
  ProcessResult r = Boot("test=i8042-reset", {"--stats"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("end: reset"), std::string::npos) << r.err;
}

TEST_P(VmBootTest, TripleFaultIsReportedWithRegisters) {
  ProcessResult r = Boot("test=triple-fault");
  EXPECT_EQ(r.exit_code, 252) << r.err;
  // Hardware virtualization reports the shutdown; a hypervisor that
  // emulates guest kernel code (kvm_pvm) gives up delivering the exception
  // with an emulation error instead. Both are a guest crash.
  bool reported = r.err.find("triple-faulted") != std::string::npos ||
                  r.err.find("KVM internal error") != std::string::npos;
  EXPECT_TRUE(reported) << r.err;
  EXPECT_NE(r.err.find("rip="), std::string::npos) << r.err;
}

TEST_P(VmBootTest, TimeoutStopsARunawayGuest) {
  std::vector<std::string> argv = {TR_BINARY, "vm", "--kernel", GetParam().path, "--memory", "64",
                                   "--no-default-cmdline", "--append", "test=hang", "--timeout", "0.5"};
  ProcessResult r = RunProcess(argv, "", std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 253) << r.err;
  EXPECT_LT(r.elapsed.count(), 10000);
}

TEST_P(VmBootTest, SigtermStopsTheVmCleanly) {
  std::vector<std::string> argv = {TR_BINARY, "vm", "--kernel", GetParam().path, "--memory", "64",
                                   "--no-default-cmdline", "--append", "test=hang"};
  ProcessResult r = RunProcess(argv, "", std::chrono::seconds(30), std::chrono::milliseconds(300));
  EXPECT_EQ(r.exit_code, 254) << r.err;
  EXPECT_NE(r.err.find("stopped by signal"), std::string::npos) << r.err;
}

TEST_P(VmBootTest, SecondaryCpusStart) {
  ProcessResult r = Boot("test=smp aps=1", {"--cpus", "2"});
  EXPECT_EQ(Value(r.out, "aps_online"), "1") << r.out << r.err;
  EXPECT_EQ(r.exit_code, 2);
}

TEST_P(VmBootTest, NoOutputIsLost) {
  ProcessResult r = Boot("test=flood lines=2000");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string expected;
  for (int i = 0; i < 2000; ++i) expected += "line=" + std::to_string(i) + "\n";
  EXPECT_NE(r.out.find(expected), std::string::npos);
}

TEST_P(VmBootTest, BootMarksAreTimed) {
  ProcessResult r = Boot("test=hello", {"--stats"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("boot mark 10 at"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Formats, VmBootTest, ::testing::ValuesIn(kFormats),
                         [](const ::testing::TestParamInfo<GuestFormat>& param_info) { return param_info.param.name; });

TEST(VmCliTest, BadKernelIsAClearError) {
  ProcessResult r = RunProcess({TR_BINARY, "vm", "--kernel", "/nonexistent/vmlinux"});
  EXPECT_EQ(r.exit_code, 250);
  EXPECT_NE(r.err.find("/nonexistent/vmlinux"), std::string::npos) << r.err;
}

TEST(VmCliTest, MissingKernelIsAUsageError) {
  ProcessResult r = RunProcess({TR_BINARY, "vm"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--kernel"), std::string::npos) << r.err;
}

TEST(VmCliTest, FlagsBecomeThePlanCommasIncluded) {
  ProcessResult r = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--cpus", "2", "--env", "LIST=a,b",
                                "--disk", "/d.img,ro,id=root", "--print-plan", "--", "/bin/echo", "x,y"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"LIST=a,b\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"x,y\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"read_only\": true"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"id\": \"root\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"cpus\": 2"), std::string::npos) << r.out;
  ProcessResult direct = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--disk", "/d.img,direct", "--print-plan"});
  EXPECT_NE(direct.out.find("\"direct\": true"), std::string::npos) << direct.out;
}

TEST(VmCliTest, BadDiskSpecIsAUsageError) {
  ProcessResult r = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--disk", "/d.img,fast"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("PATH[,ro][,direct][,id=NAME]"), std::string::npos) << r.err;
}

TEST(VmCliTest, PlanErrorsNameTheField) {
  std::string path = ::testing::TempDir() + "/bad_plan_" + std::to_string(getpid()) + ".json";
  std::ofstream(path) << R"({"version": 1, "kernel": "/k", "cpus": "many"})";
  ProcessResult r = RunProcess({TR_BINARY, "vm", "--plan", path});
  std::remove(path.c_str());
  EXPECT_EQ(r.exit_code, 250);
  EXPECT_NE(r.err.find(".cpus: expected a non-negative integer"), std::string::npos) << r.err;
}

TEST(VmCliTest, NetworkFlagsBecomeThePlan) {
  ProcessResult r = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--publish", "8080:80", "--publish", "5353:53/udp",
                                "--mac", "02:00:00:00:00:09", "--print-plan"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"backend\": \"user\""), std::string::npos) << r.out;  // --publish implies user networking
  EXPECT_NE(r.out.find("\"5353:53/udp\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"mac\": \"02:00:00:00:00:09\""), std::string::npos) << r.out;
  ProcessResult none = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--print-plan"});
  EXPECT_EQ(none.out.find("\"net\""), std::string::npos) << none.out;  // no network unless asked
  // With a command, guest-init is told to set up eth0 with slirp's addresses.
  ProcessResult command = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--net", "user", "--print-plan", "--", "/bin/true"});
  EXPECT_NE(command.out.find("\"network\": \"eth0 10.0.2.15/24 10.0.2.2 10.0.2.3\""), std::string::npos) << command.out;
  ProcessResult tap = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--net", "tap=tr0", "--print-plan", "--", "/bin/true"});
  EXPECT_EQ(tap.out.find("\"network\""), std::string::npos) << tap.out;  // the tap's network is not ours to know
}

TEST(VmCliTest, SharesBecomeThePlan) {
  ProcessResult r = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--share", "/srv/a:b:src,ro", "--share", "/data:data",
                                "--print-plan"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"path\": \"/srv/a:b\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"tag\": \"src\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"read_only\": true"), std::string::npos) << r.out;
  ProcessResult bad = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--share", "/data"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("expected HOST_DIR:TAG[,ro]"), std::string::npos) << bad.err;
}

TEST(VmCliTest, BadNetworkSpellingsSayWhatIsAccepted) {
  ProcessResult port = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--publish", "80"});
  EXPECT_EQ(port.exit_code, 250);
  EXPECT_NE(port.err.find("tr vm: .net: invalid published port '80'"), std::string::npos) << port.err;
  ProcessResult backend = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--net", "bogus"});
  EXPECT_NE(backend.err.find("user, tap=NAME or stream=PATH"), std::string::npos) << backend.err;
  ProcessResult tap = RunProcess({TR_BINARY, "vm", "--kernel", "/k", "--net", "tap=tr0", "--publish", "8080:80"});
  EXPECT_NE(tap.err.find("published ports need user networking"), std::string::npos) << tap.err;
}

}  // namespace
}  // namespace tinyrange
