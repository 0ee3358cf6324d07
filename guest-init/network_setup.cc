#include "guest-init/network_setup.h"

#include <sys/stat.h>

#include "guest-init/log.h"
#include "guest-init/network.h"

namespace tinyrange {

void SetUpNetwork(const InitConfigView& config) {
  if (config.net.empty()) return;
  InitNetConfig net;
  ParseInitNetConfig(config.net, &net);  // validated with the config
  const char* step = "";
  mkdir("/etc", 0755);
  int err = ConfigureInterface(net, "/etc/resolv.conf", &step);
  if (err != 0) LogErrno2("network: ", step, err);
}

}  // namespace tinyrange
