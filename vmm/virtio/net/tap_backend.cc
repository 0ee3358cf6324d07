#include "vmm/virtio/net/tap_backend.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {

std::unique_ptr<TapBackend> TapBackend::Open(const std::string& name) {
  const std::string what = "tap device '" + name + "'";
  const std::string how = " (it must already exist as a tap device, e.g. `ip tuntap add dev " + name +
                          " mode tap user $USER`, be accessible to this user and not be in use)";
  if (name.empty() || name.size() >= IFNAMSIZ) {
    throw VmmError(what + ": a network interface name must be 1 to " + std::to_string(IFNAMSIZ - 1) + " bytes long");
  }
  if (if_nametoindex(name.c_str()) == 0) throw VmmError(what + " does not exist" + how);
  ScopedFd fd(open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) throw VmmError(ErrnoMessage("cannot open /dev/net/tun for " + what, errno) + how);
  ifreq request{};
  std::memcpy(request.ifr_name, name.data(), name.size());
  request.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (ioctl(fd.get(), TUNSETIFF, &request) != 0) {
    throw VmmError(ErrnoMessage("cannot attach to " + what, errno) + how);
  }
  return std::make_unique<TapBackend>(std::move(fd), name);
}

TapBackend::TapBackend(ScopedFd tap, std::string name) : tap_(std::move(tap)), name_(std::move(name)) {
  wake_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_.valid()) ThrowErrno("tap device '" + name_ + "': eventfd");
}

TapBackend::~TapBackend() { Stop(); }

void TapBackend::Stop() {
  std::lock_guard thread_lock(thread_mu_);
  stopped_ = true;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void TapBackend::Start(ReceiveFn receive, FailureFn failed) {
  std::lock_guard thread_lock(thread_mu_);
  receive_ = std::move(receive);
  failed_ = std::move(failed);
  thread_ = std::thread([this] { Loop(); });
}

bool TapBackend::Send(std::span<const uint8_t> frame) {
  // The tap takes one whole frame per write, and concurrent writes do
  // not interleave, so no lock is needed.
  if (stopped_) return false;
  return write(tap_.get(), frame.data(), frame.size()) == static_cast<ssize_t>(frame.size());
}

void TapBackend::Loop() {
  std::vector<uint8_t> frame(65536);
  for (;;) {
    pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {tap_.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      if (failed_) failed_(ErrnoMessage("polling tap device '" + name_ + "'", errno));
      return;
    }
    if (fds[0].revents & POLLIN) return;  // only the destructor wakes us
    if (!(fds[1].revents & (POLLIN | POLLERR | POLLHUP))) continue;
    ssize_t n = read(tap_.get(), frame.data(), frame.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      if (failed_) failed_(ErrnoMessage("reading from tap device '" + name_ + "'", errno));
      return;
    }
    if (n == 0) {
      // The interface was deleted under us.
      if (failed_) failed_("tap device '" + name_ + "' went away");
      return;
    }
    receive_(std::span<const uint8_t>(frame.data(), static_cast<size_t>(n)));
  }
}

}  // namespace tinyrange::virtio
