// ConfigureInterface on a real interface: a tap device in a private network
// namespace (a child process, so the host's network is never touched).
#include "guest-init/network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "guest-init/init_config.h"

namespace tinyrange {
namespace {

std::string Ipv4Of(int fd, unsigned long request, const char* name) {
  ifreq req;
  std::memset(&req, 0, sizeof(req));
  std::strncpy(req.ifr_name, name, sizeof(req.ifr_name) - 1);
  if (ioctl(fd, request, &req) != 0) return std::string("ioctl: ") + std::strerror(errno);
  char text[INET_ADDRSTRLEN];
  sockaddr_in in;
  std::memcpy(&in, &req.ifr_addr, sizeof(in));
  return inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
}

// Runs in the child, inside its own network namespace; returns "" or what
// went wrong.
std::string ConfigureAndCheck(const std::string& resolv) {
  int tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (tun < 0) return std::string("SKIP /dev/net/tun: ") + std::strerror(errno);
  ifreq req;
  std::memset(&req, 0, sizeof(req));
  req.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::strcpy(req.ifr_name, "trtest0");
  if (ioctl(tun, TUNSETIFF, &req) != 0) return std::string("SKIP TUNSETIFF: ") + std::strerror(errno);

  InitNetConfig config;
  if (!ParseInitNetConfig("trtest0 10.0.2.15/24 10.0.2.2 10.0.2.3", &config)) return "the config does not parse";
  const char* step = "";
  int err = ConfigureInterface(config, resolv.c_str(), &step);
  if (err != 0) return std::string(step) + ": " + std::strerror(err);

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  std::string address = Ipv4Of(fd, SIOCGIFADDR, "trtest0");
  if (address != "10.0.2.15") return "address " + address;
  std::string mask = Ipv4Of(fd, SIOCGIFNETMASK, "trtest0");
  if (mask != "255.255.255.0") return "netmask " + mask;
  std::memset(&req, 0, sizeof(req));
  std::strcpy(req.ifr_name, "trtest0");
  ioctl(fd, SIOCGIFFLAGS, &req);
  if (!(req.ifr_flags & IFF_UP)) return "the interface is not up";
  close(fd);
  // The default route: destination 0, gateway 10.0.2.2 (little-endian hex).
  std::ifstream routes("/proc/net/route");
  std::string line;
  bool found = false;
  while (std::getline(routes, line)) {
    std::istringstream fields(line);
    std::string iface, destination, gateway;
    fields >> iface >> destination >> gateway;
    if (iface == "trtest0" && destination == "00000000" && gateway == "0202000A") found = true;
  }
  if (!found) return "no default route through 10.0.2.2";
  std::ifstream conf(resolv);
  std::stringstream contents;
  contents << conf.rdbuf();
  if (contents.str() != "nameserver 10.0.2.3\n") return "resolv.conf holds '" + contents.str() + "'";
  return "";
}

TEST(NetworkTest, ConfiguresAddressRouteAndResolver) {
  std::string resolv = ::testing::TempDir() + "/resolv_" + std::to_string(getpid());
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    std::string result = unshare(CLONE_NEWNET) != 0 ? std::string("SKIP unshare(CLONE_NEWNET): ") + std::strerror(errno)
                                                    : ConfigureAndCheck(resolv);
    (void)!write(pipe_fds[1], result.data(), result.size());
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string result;
  char buffer[512];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0) result.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  std::remove(resolv.c_str());
  if (result.rfind("SKIP ", 0) == 0) GTEST_SKIP() << "SKIPPED LOUDLY: needs a private network namespace and a tap: " << result;
  EXPECT_EQ(result, "");
}

}  // namespace
}  // namespace tinyrange
