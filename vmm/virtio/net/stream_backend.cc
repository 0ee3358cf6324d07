#include "vmm/virtio/net/stream_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

constexpr size_t kPrefix = 4;

uint32_t LoadBigEndian32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 |
         p[3];
}

}  // namespace

std::unique_ptr<StreamBackend> StreamBackend::Connect(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    throw VmmError("network socket path '" + path + "' must be 1 to " + std::to_string(sizeof address.sun_path - 1) +
                   " bytes long");
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  ScopedFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) ThrowErrno("network socket " + path + ": socket");
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw VmmError(ErrnoMessage("cannot connect to network socket " + path, errno) +
                   " (a peer such as passt must be listening there first)");
  }
  return std::make_unique<StreamBackend>(std::move(fd), path);
}

StreamBackend::StreamBackend(ScopedFd socket, std::string peer) : socket_(std::move(socket)), peer_(std::move(peer)) {
  int flags = fcntl(socket_.get(), F_GETFL);
  if (flags < 0 || fcntl(socket_.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    ThrowErrno("network socket " + peer_ + ": making it non-blocking");
  }
  wake_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_.valid()) ThrowErrno("network socket " + peer_ + ": eventfd");
}

StreamBackend::~StreamBackend() { Stop(); }

void StreamBackend::Stop() {
  std::lock_guard thread_lock(thread_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void StreamBackend::Start(ReceiveFn receive, FailureFn failed) {
  std::lock_guard thread_lock(thread_mu_);
  receive_ = std::move(receive);
  failed_ = std::move(failed);
  thread_ = std::thread([this] { Loop(); });
}

bool StreamBackend::Send(std::span<const uint8_t> frame) {
  if (frame.size() > kMaxFrame) return false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || broken_ || !outgoing_.Push(frame)) return false;
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_.get(), &one, sizeof one);
  return true;
}

bool StreamBackend::HasOutput() {
  if (written_ < writing_.size()) return true;
  std::lock_guard lock(mu_);
  return !outgoing_.empty();
}

std::string StreamBackend::Flush() {
  for (;;) {
    if (written_ == writing_.size()) {
      std::vector<uint8_t> frame;
      {
        std::lock_guard lock(mu_);
        if (outgoing_.empty()) return "";
        frame = outgoing_.Pop();
      }
      uint32_t length = static_cast<uint32_t>(frame.size());
      writing_.resize(kPrefix + frame.size());
      for (size_t i = 0; i < kPrefix; ++i) writing_[i] = static_cast<uint8_t>(length >> (24 - 8 * i));
      std::copy(frame.begin(), frame.end(), writing_.begin() + kPrefix);
      written_ = 0;
    }
    // MSG_NOSIGNAL: a closed peer is an error to report, not SIGPIPE.
    ssize_t n = send(socket_.get(), writing_.data() + written_, writing_.size() - written_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return "";
      return ErrnoMessage("writing to network socket " + peer_, errno);
    }
    written_ += static_cast<size_t>(n);
  }
}

std::string StreamBackend::ReadAvailable() {
  size_t old_size = reading_.size();
  reading_.resize(old_size + 65536);
  ssize_t n = read(socket_.get(), reading_.data() + old_size, 65536);
  reading_.resize(old_size + static_cast<size_t>(std::max<ssize_t>(n, 0)));
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return "";
    return ErrnoMessage("reading from network socket " + peer_, errno);
  }
  if (n == 0) return "the peer closed network socket " + peer_;
  size_t consumed = 0;
  while (reading_.size() - consumed >= kPrefix) {
    uint32_t length = LoadBigEndian32(reading_.data() + consumed);
    if (length > kMaxFrame) {
      return "network socket " + peer_ + " announced a frame of " + std::to_string(length) +
             " bytes; the stream is not length-prefixed Ethernet frames";
    }
    if (reading_.size() - consumed - kPrefix < length) break;
    receive_(std::span<const uint8_t>(reading_.data() + consumed + kPrefix, length));
    consumed += kPrefix + length;
  }
  reading_.erase(reading_.begin(), reading_.begin() + static_cast<long>(consumed));
  return "";
}

void StreamBackend::Loop() {
  for (;;) {
    std::string error = Flush();
    if (error.empty()) {
      pollfd fds[2] = {{wake_.get(), POLLIN, 0},
                       {socket_.get(), static_cast<short>(POLLIN | (HasOutput() ? POLLOUT : 0)), 0}};
      if (poll(fds, 2, -1) < 0 && errno != EINTR) error = ErrnoMessage("polling network socket " + peer_, errno);
      if (fds[0].revents & POLLIN) {
        uint64_t count;
        [[maybe_unused]] ssize_t n = read(wake_.get(), &count, sizeof count);
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      if (error.empty() && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) error = ReadAvailable();
    }
    if (!error.empty()) {
      {
        std::lock_guard lock(mu_);
        broken_ = true;
        outgoing_.Clear();
      }
      if (failed_) failed_(error);
      return;
    }
  }
}

}  // namespace tinyrange::virtio
