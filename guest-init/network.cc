#include "guest-init/network.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guest-init/init_config.h"

namespace tinyrange {

namespace {

void SetIpv4(sockaddr* out, const uint8_t address[4]) {
  sockaddr_in in;
  memset(&in, 0, sizeof(in));
  in.sin_family = AF_INET;
  memcpy(&in.sin_addr, address, 4);
  memcpy(out, &in, sizeof(in));
}

// "nameserver A.B.C.D\n" without printf (guest-init avoids stdio).
size_t FormatResolvConf(const uint8_t dns[4], char* out) {
  const char prefix[] = "nameserver ";
  size_t n = sizeof(prefix) - 1;
  memcpy(out, prefix, n);
  for (int i = 0; i < 4; ++i) {
    if (i > 0) out[n++] = '.';
    unsigned v = dns[i];
    if (v >= 100) out[n++] = static_cast<char>('0' + v / 100);
    if (v >= 10) out[n++] = static_cast<char>('0' + v / 10 % 10);
    out[n++] = static_cast<char>('0' + v % 10);
  }
  out[n++] = '\n';
  return n;
}

}  // namespace

int ConfigureInterface(const InitNetConfig& config, const char* resolv_conf, const char** step) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *step = "open a socket";
    return errno;
  }
  int err = 0;
  ifreq req;
  memset(&req, 0, sizeof(req));
  memcpy(req.ifr_name, config.interface, sizeof(req.ifr_name) - 1);
  SetIpv4(&req.ifr_addr, config.address);
  if (ioctl(fd, SIOCSIFADDR, &req) != 0) {
    *step = "set the address";
    err = errno;
  }
  if (err == 0) {
    uint8_t mask[4] = {};
    for (uint32_t bit = 0; bit < config.prefix_length; ++bit) mask[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    SetIpv4(&req.ifr_netmask, mask);
    if (ioctl(fd, SIOCSIFNETMASK, &req) != 0) {
      *step = "set the netmask";
      err = errno;
    }
  }
  if (err == 0 && ioctl(fd, SIOCGIFFLAGS, &req) == 0) {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    if (ioctl(fd, SIOCSIFFLAGS, &req) != 0) {
      *step = "bring the interface up";
      err = errno;
    }
  }
  if (err == 0) {
    rtentry route;
    memset(&route, 0, sizeof(route));
    const uint8_t any[4] = {};
    SetIpv4(&route.rt_dst, any);
    SetIpv4(&route.rt_genmask, any);
    SetIpv4(&route.rt_gateway, config.gateway);
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    route.rt_dev = const_cast<char*>(config.interface);
    if (ioctl(fd, SIOCADDRT, &route) != 0 && errno != EEXIST) {
      *step = "add the default route";
      err = errno;
    }
  }
  close(fd);
  if (err != 0) return err;
  int conf = open(resolv_conf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (conf < 0) {
    *step = "write /etc/resolv.conf";
    return errno;
  }
  char line[40];
  size_t n = FormatResolvConf(config.dns, line);
  if (write(conf, line, n) != static_cast<ssize_t>(n)) err = errno ? errno : EIO;
  close(conf);
  if (err != 0) *step = "write /etc/resolv.conf";
  return err;
}

int BringUpLoopback() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  ifreq req;
  memset(&req, 0, sizeof(req));
  memcpy(req.ifr_name, "lo", 3);
  int err = 0;
  if (ioctl(fd, SIOCGIFFLAGS, &req) != 0) {
    err = errno;
  } else if ((req.ifr_flags & IFF_UP) == 0) {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    if (ioctl(fd, SIOCSIFFLAGS, &req) != 0) err = errno;
  }
  close(fd);
  return err;
}

}  // namespace tinyrange
