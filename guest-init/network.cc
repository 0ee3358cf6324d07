#include "guest-init/network.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tinyrange {

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
