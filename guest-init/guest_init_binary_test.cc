// Tests of the real, static guest-init binary on the host.
//
// guest-init only works as PID 1, so the end-to-end tests run it as PID 1
// of fresh user, PID, mount, network, UTS and IPC namespaces, chrooted into
// a temporary directory. Nothing there reaches the host: kill(-1) stops at
// the PID namespace, reboot() in a child PID namespace only ends that
// namespace's init (as if killed by SIGINT for a power-off), ioperm is
// refused outside the initial user namespace, and every mount lives in the
// private mount namespace. Where the host does not allow unprivileged user
// namespaces those tests are skipped.
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "guest-init/init_config_writer.h"

namespace tinyrange {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* const kBinary = TR_GUEST_INIT_BINARY;

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(GuestInitBinaryTest, IsAStaticExecutable) {
  std::string elf = ReadAll(kBinary);
  ASSERT_GE(elf.size(), sizeof(Elf64_Ehdr));
  Elf64_Ehdr eh;
  memcpy(&eh, elf.data(), sizeof(eh));
  ASSERT_EQ(memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
  EXPECT_EQ(eh.e_ident[EI_CLASS], ELFCLASS64);
  EXPECT_EQ(eh.e_machine, EM_X86_64);
  // No program interpreter and no dynamic section: the kernel can run it
  // from an initramfs that holds nothing else.
  ASSERT_LE(eh.e_phoff + size_t{eh.e_phnum} * sizeof(Elf64_Phdr), elf.size());
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    memcpy(&ph, elf.data() + eh.e_phoff + size_t(i) * sizeof(Elf64_Phdr), sizeof(ph));
    EXPECT_NE(ph.p_type, static_cast<uint32_t>(PT_INTERP));
    EXPECT_NE(ph.p_type, static_cast<uint32_t>(PT_DYNAMIC));
  }
  // It goes into every initramfs; notice if it grows a lot.
  EXPECT_LT(elf.size(), 1024u * 1024u);
}

// Runs the program at `path` without arguments; returns (wait status, stderr).
std::pair<int, std::string> RunCapturingStderr(const char* path) {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 2);
    execl(path, path, static_cast<char*>(nullptr));
    _exit(99);
  }
  close(fds[1]);
  std::string err;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) err.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {status, err};
}

TEST(GuestInitBinaryTest, RefusesToRunUnlessItIsProcessOne) {
  auto [status, err] = RunCapturingStderr(kBinary);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 125);
  EXPECT_THAT(err, HasSubstr("guest-init: refusing to run: not process 1"));
}

// --- guest-init as PID 1 in namespaces ------------------------------------

struct NamespaceRun {
  bool skipped = false;
  std::string skip_reason;
  int wait_status = 0;  // of guest-init, as PID 1 of its namespace
  std::string console;  // everything written to its /dev/console
  double seconds = 0;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tr_guest_init_test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

constexpr int kSetupFailed = 90;
constexpr int kNoNamespaces = 91;
constexpr int kTimeoutSeconds = 30;

bool WriteFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

// Makes `rel` (bin, lib, usr, ...) of the host visible read-only in `root`,
// as the same symlink if it is one on the host.
bool ShareHostPath(const std::string& root, const char* rel) {
  std::string host = std::string("/") + rel;
  std::string inside = root + "/" + rel;
  struct stat st;
  if (lstat(host.c_str(), &st) != 0) return true;  // absent on this host: fine
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlink(host.c_str(), target, sizeof(target) - 1);
    if (n < 0) return false;
    target[n] = '\0';
    return symlink(target, inside.c_str()) == 0;
  }
  if (!S_ISDIR(st.st_mode)) return true;
  if (mkdir(inside.c_str(), 0755) != 0) return false;
  if (mount(host.c_str(), inside.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) return false;
  return mount(nullptr, inside.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
}

// In the forked helper: enter the namespaces, build the guest's root, start
// guest-init as PID 1 and report its wait status through `report_fd`.
[[noreturn]] void NamespaceHelper(const std::string& root, const std::string& console_log,
                                  int report_fd) {
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS |
              CLONE_NEWIPC) != 0) {
    _exit(kNoNamespaces);
  }
  if (!WriteFile("/proc/self/setgroups", "deny") ||
      !WriteFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
      !WriteFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
    _exit(kNoNamespaces);
  }
  // Nothing mounted from here on may propagate back to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(kSetupFailed);

  // devtmpfs cannot be mounted in a user namespace; give guest-init a /dev
  // that is already a mount point (it leaves mounted filesystems alone),
  // whose console is a file the test reads afterwards.
  std::string dev = root + "/dev";
  if (mkdir(dev.c_str(), 0755) != 0 ||
      mount("tmpfs", dev.c_str(), "tmpfs", 0, "mode=0755") != 0) {
    _exit(kSetupFailed);
  }
  std::string console = dev + "/console";
  int fd = open(console.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) _exit(kSetupFailed);
  close(fd);
  if (mount(console_log.c_str(), console.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    _exit(kSetupFailed);
  }
  // Shells send the stdin of background jobs to /dev/null.
  std::string null_dev = dev + "/null";
  fd = open(null_dev.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) _exit(kSetupFailed);
  close(fd);
  if (mount("/dev/null", null_dev.c_str(), nullptr, MS_BIND, nullptr) != 0) _exit(kSetupFailed);
  // A shell and its libraries for the commands.
  for (const char* rel : {"usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32"}) {
    if (!ShareHostPath(root, rel)) _exit(kSetupFailed);
  }

  pid_t init = fork();
  if (init == 0) {
    if (chroot(root.c_str()) != 0 || chdir("/") != 0) _exit(kSetupFailed);
    // As the kernel does for init when the initramfs has /dev/console.
    int console_fd = open("/dev/console", O_RDWR);
    if (console_fd < 0) _exit(kSetupFailed);
    for (int i = 0; i <= 2; ++i) dup2(console_fd, i);
    if (console_fd > 2) close(console_fd);
    execl("/guest-init", "/guest-init", static_cast<char*>(nullptr));
    _exit(kSetupFailed);
  }
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
  for (;;) {
    pid_t r = waitpid(init, &status, WNOHANG);
    if (r == init) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(init, SIGKILL);  // ends the whole PID namespace
      waitpid(init, &status, 0);
      status = -1;
      break;
    }
    usleep(5000);
  }
  ssize_t ignored = write(report_fd, &status, sizeof(status));
  (void)ignored;
  _exit(0);
}

// Runs guest-init with `config_bytes` as /tinyrange/init.cfg (none if
// unset); `prepare` may add files to the guest's root first.
NamespaceRun RunAsPid1(const std::optional<std::string>& config_bytes,
                       void (*prepare)(const std::string& root) = nullptr) {
  NamespaceRun run;
  TempDir dir;
  std::string root = dir.path() / "root";
  std::string console_log = dir.path() / "console.log";
  std::filesystem::create_directories(root + "/tinyrange");
  std::filesystem::copy_file(kBinary, root + "/guest-init");
  if (config_bytes) std::ofstream(root + "/tinyrange/init.cfg", std::ios::binary) << *config_bytes;
  std::ofstream(console_log).close();
  if (prepare) prepare(root);

  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  auto start = std::chrono::steady_clock::now();
  pid_t helper = fork();
  if (helper == 0) {
    close(fds[0]);
    NamespaceHelper(root, console_log, fds[1]);
  }
  close(fds[1]);
  int status = 0;
  ssize_t n = read(fds[0], &status, sizeof(status));
  close(fds[0]);
  int helper_status = 0;
  waitpid(helper, &helper_status, 0);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(helper_status) && WEXITSTATUS(helper_status) == kNoNamespaces) {
    run.skipped = true;
    run.skip_reason = "user namespaces are not available here";
    return run;
  }
  EXPECT_TRUE(WIFEXITED(helper_status) && WEXITSTATUS(helper_status) == 0)
      << "namespace setup failed, helper status " << helper_status;
  EXPECT_EQ(n, static_cast<ssize_t>(sizeof(status)));
  EXPECT_NE(status, -1) << "guest-init did not finish within " << kTimeoutSeconds << " s";
  run.wait_status = status;
  run.console = ReadAll(console_log);
  return run;
}

std::string ShellConfig(const std::string& script, void (*adjust)(InitConfig*) = nullptr) {
  InitConfig c;
  c.argv = {"sh", "-c", script};
  if (adjust) adjust(&c);
  return EncodeInitConfig(c);
}

// guest-init ends by powering off, which in a child PID namespace ends it
// as if by SIGINT.
void ExpectPoweredOff(const NamespaceRun& run) {
  EXPECT_TRUE(WIFSIGNALED(run.wait_status) && WTERMSIG(run.wait_status) == SIGINT)
      << "wait status " << run.wait_status << ", console:\n"
      << run.console;
}

TEST(GuestInitAsPid1Test, RunsTheCommandAndReportsItsStatus) {
  std::string config = ShellConfig(
      "echo \"host=$(cat /proc/sys/kernel/hostname) cwd=$(pwd) uid=$(id -u) pid1=$(cat "
      "/proc/1/comm)\"; echo \"FOO=$FOO PATH=$PATH\"; "
      "sh -c 'trap \"echo orphan got TERM; exit 0\" TERM; echo orphan started; "
      "while :; do sleep 0.05; done' & sleep 0.2; exit 7",
      [](InitConfig* c) {
        c->env = {"FOO=bar baz"};
        c->cwd = "/tinyrange";
        c->hostname = "testguest";
        c->modules = {{"/lib/modules/missing.ko", "x=1"}};
      });
  NamespaceRun run = RunAsPid1(config);
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console, HasSubstr("host=testguest cwd=/tinyrange uid=0 pid1=guest-init\n"));
  EXPECT_THAT(run.console,
              HasSubstr("FOO=bar baz PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                        "/sbin:/bin\n"));
  // A module that cannot be loaded is reported, and the boot goes on.
  EXPECT_THAT(run.console,
              HasSubstr("guest-init: open module /lib/modules/missing.ko: No such file"));
  EXPECT_THAT(run.console, HasSubstr("orphan started\n"));
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 7\n"));
  // The process left behind got SIGTERM (and its grace period) before the
  // power-off, and was not waited for beyond that.
  EXPECT_THAT(run.console, HasSubstr("orphan got TERM\n"));
  EXPECT_LT(run.seconds, 20.0);
}

TEST(GuestInitAsPid1Test, SignalDeathIs128PlusTheSignal) {
  NamespaceRun run = RunAsPid1(ShellConfig("kill -TERM $$"));
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 143\n"));
}

TEST(GuestInitAsPid1Test, MissingCommandIs127) {
  InitConfig c;
  c.argv = {"no-such-command-tr", "arg"};
  NamespaceRun run = RunAsPid1(EncodeInitConfig(c));
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console, HasSubstr("guest-init: no-such-command-tr: command not found\n"));
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 127\n"));
}

TEST(GuestInitAsPid1Test, NonExecutableCommandIs126) {
  InitConfig c;
  c.argv = {"/tinyrange/init.cfg"};
  NamespaceRun run = RunAsPid1(EncodeInitConfig(c));
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console, HasSubstr("guest-init: /tinyrange/init.cfg: Permission denied\n"));
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 126\n"));
}

TEST(GuestInitAsPid1Test, MissingInterpreterIsExplained) {
  InitConfig c;
  c.argv = {"/tinyrange/script"};
  NamespaceRun run = RunAsPid1(EncodeInitConfig(c), [](const std::string& root) {
    std::ofstream(root + "/tinyrange/script") << "#!/no/such/interpreter\n";
    std::filesystem::permissions(root + "/tinyrange/script", std::filesystem::perms::owner_all);
  });
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console, HasSubstr("guest-init: /tinyrange/script: cannot run it: its "
                                     "interpreter (#! line or dynamic loader) is missing\n"));
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 127\n"));
}

TEST(GuestInitAsPid1Test, MalformedConfigIs125) {
  std::string config = ShellConfig("exit 0");
  config.insert(config.size() - 5, std::string("bogus\0x\0", 8));
  NamespaceRun run = RunAsPid1(config);
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console,
              HasSubstr("guest-init: /tinyrange/init.cfg: unknown key (key \"bogus\") at byte"));
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 125\n"));
}

TEST(GuestInitAsPid1Test, MissingConfigIs125) {
  NamespaceRun run = RunAsPid1(std::nullopt);
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console,
              HasSubstr("guest-init: read /tinyrange/init.cfg: No such file or directory\n"));
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 125\n"));
}

TEST(GuestInitAsPid1Test, EmptyConfigIs125) {
  NamespaceRun run = RunAsPid1("");
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console, HasSubstr("guest-init: /tinyrange/init.cfg: bad magic"));
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 125\n"));
}

TEST(GuestInitAsPid1Test, MissingArchiveDiskIs124AndNamesTheId) {
  // The namespace's /sys/block has no disk with this serial.
  NamespaceRun run = RunAsPid1(ShellConfig(
      "echo should-not-run", [](InitConfig* c) { c->archives_disk = "tr-no-such-disk"; }));
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console, HasSubstr("guest-init: archive disk: no virtio-blk disk with serial "
                                     "\"tr-no-such-disk\""));
  EXPECT_THAT(run.console, Not(HasSubstr("should-not-run")));
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 124\n"));
}

TEST(GuestInitAsPid1Test, AShareThatCannotBeMountedIsLoggedAndTheCommandRuns) {
  NamespaceRun run = RunAsPid1(
      ShellConfig("test -d /mnt/shared/dir && echo mount-point-made; exit 0", [](InitConfig* c) {
        c->shares = {{"no-such-tag", "/mnt/shared/dir", true}};
      }));
  if (run.skipped) GTEST_SKIP() << run.skip_reason;
  ExpectPoweredOff(run);
  EXPECT_THAT(run.console,
              HasSubstr("guest-init: mount virtiofs share no-such-tag /mnt/shared/dir ro: "));
  EXPECT_THAT(run.console, HasSubstr("mount-point-made\n"));
  EXPECT_THAT(run.console, HasSubstr("guest-init: exit status: 0\n"));
}

}  // namespace
}  // namespace tinyrange
