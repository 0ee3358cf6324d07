#include "vmm/virtio/net/slirp_backend.h"

#include <arpa/inet.h>
#include <sys/eventfd.h>
#include <libslirp.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "vmm/virtio/net/slirp_library.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

in_addr Ipv4(const char* text) {
  in_addr address{};
  inet_pton(AF_INET, text, &address);
  return address;
}

short ToPollEvents(int slirp_events) {
  short events = 0;
  if (slirp_events & SLIRP_POLL_IN) events |= POLLIN;
  if (slirp_events & SLIRP_POLL_OUT) events |= POLLOUT;
  if (slirp_events & SLIRP_POLL_PRI) events |= POLLPRI;
  return events;
}

int ToSlirpEvents(short revents) {
  int events = 0;
  if (revents & POLLIN) events |= SLIRP_POLL_IN;
  if (revents & POLLOUT) events |= SLIRP_POLL_OUT;
  if (revents & POLLPRI) events |= SLIRP_POLL_PRI;
  if (revents & POLLERR) events |= SLIRP_POLL_ERR;
  if (revents & POLLHUP) events |= SLIRP_POLL_HUP;
  return events;
}

}  // namespace

// A slirp timer: slirp arms it with an absolute time in milliseconds on the
// clock we give it (clock_get_ns).
struct SlirpBackend::Timer {
  SlirpTimerCb callback;
  void* callback_opaque;
  int64_t expire_ms = -1;  // -1: not armed
};

struct SlirpBackend::Callbacks {
  static SlirpBackend* Self(void* opaque) { return static_cast<SlirpBackend*>(opaque); }

  static ssize_t SendPacket(const void* buf, size_t len, void* opaque) {
    SlirpBackend* self = Self(opaque);
    if (self->receive_) self->receive_(std::span<const uint8_t>(static_cast<const uint8_t*>(buf), len));
    return static_cast<ssize_t>(len);
  }
  // Guest misbehaviour is the guest's business, and a guest could flood
  // the host's terminal with it: slirp already drops the offending packet.
  static void GuestError(const char*, void*) {}
  static int64_t ClockGetNs(void*) { return MonotonicNs(); }
  static void* TimerNew(SlirpTimerCb cb, void* cb_opaque, void* opaque) {
    auto timer = std::make_unique<Timer>(Timer{cb, cb_opaque});
    Timer* raw = timer.get();
    Self(opaque)->timers_.push_back(std::move(timer));
    return raw;
  }
  static void TimerFree(void* timer, void* opaque) {
    auto& timers = Self(opaque)->timers_;
    std::erase_if(timers, [&](const std::unique_ptr<Timer>& t) { return t.get() == timer; });
  }
  static void TimerMod(void* timer, int64_t expire_ms, void*) { static_cast<Timer*>(timer)->expire_ms = expire_ms; }
  // The loop asks slirp for its descriptors on every iteration, so
  // registrations need no bookkeeping, and the loop never sleeps while
  // slirp has work it could signal with notify.
  static void RegisterPollFd(int, void*) {}
  static void UnregisterPollFd(int, void*) {}
  static void Notify(void*) {}

  static int AddPoll(int fd, int events, void* opaque) {
    auto& pollfds = Self(opaque)->pollfds_;
    pollfds.push_back({fd, ToPollEvents(events), 0});
    return static_cast<int>(pollfds.size() - 1);
  }
  static int GetREvents(int index, void* opaque) {
    auto& pollfds = Self(opaque)->pollfds_;
    if (index < 0 || static_cast<size_t>(index) >= pollfds.size()) return 0;
    return ToSlirpEvents(pollfds[static_cast<size_t>(index)].revents);
  }
};

SlirpBackend::SlirpBackend(const SlirpOptions& options) {
  wake_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_.valid()) ThrowErrno("user networking: eventfd");

  SlirpConfig config{};
  config.version = 4;
  config.in_enabled = true;
  config.vnetwork = Ipv4("10.0.2.0");
  config.vnetmask = Ipv4("255.255.255.0");
  config.vhost = Ipv4(kHostAddress);
  config.vdhcp_start = Ipv4(kGuestAddress);
  config.vnameserver = Ipv4(kDnsAddress);
  config.if_mtu = options.mtu;
  config.if_mru = options.mtu;
  config.disable_host_loopback = false;  // 10.0.2.2 is the host's loopback

  static const SlirpCb callbacks = {
      .send_packet = Callbacks::SendPacket,
      .guest_error = Callbacks::GuestError,
      .clock_get_ns = Callbacks::ClockGetNs,
      .timer_new = Callbacks::TimerNew,
      .timer_free = Callbacks::TimerFree,
      .timer_mod = Callbacks::TimerMod,
      .register_poll_fd = Callbacks::RegisterPollFd,
      .unregister_poll_fd = Callbacks::UnregisterPollFd,
      .notify = Callbacks::Notify,
      .init_completed = nullptr,
      .timer_new_opaque = nullptr,
  };
  slirp_ = SlirpLibrary::Get().slirp_new(&config, &callbacks, this);
  if (!slirp_) throw VmmError("user networking: libslirp could not create its network stack");

  try {
    for (const PortForward& forward : options.publish) {
      const char* protocol = forward.udp ? "udp" : "tcp";
      std::string name = std::string(protocol) + " port " + forward.host_address + ":" +
                         std::to_string(forward.host_port) + " (guest port " + std::to_string(forward.guest_port) +
                         ")";
      in_addr host{};
      if (inet_pton(AF_INET, forward.host_address.c_str(), &host) != 1) {
        throw VmmError("cannot publish " + name + ": '" + forward.host_address + "' is not an IPv4 address");
      }
      errno = 0;
      if (SlirpLibrary::Get().slirp_add_hostfwd(slirp_, forward.udp, host, forward.host_port, Ipv4(kGuestAddress), forward.guest_port) <
          0) {
        std::string why = errno ? ErrnoMessage("the host port cannot be bound", errno)
                                : std::string("the host port cannot be bound");
        throw VmmError("cannot publish " + name + ": " + why + " (is it in use by another program?)");
      }
    }
  } catch (...) {
    SlirpLibrary::Get().slirp_cleanup(slirp_);
    throw;
  }
}

SlirpBackend::~SlirpBackend() {
  Stop();
  SlirpLibrary::Get().slirp_cleanup(slirp_);
}

void SlirpBackend::Start(ReceiveFn receive, FailureFn) {
  // Nothing makes slirp fail after it was created: its failures are per
  // connection, and the guest's TCP sees them.
  std::lock_guard thread_lock(thread_mu_);
  receive_ = std::move(receive);
  thread_ = std::thread([this] { Loop(); });
}

void SlirpBackend::Stop() {
  std::lock_guard thread_lock(thread_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  Wake();
  if (thread_.joinable()) thread_.join();
}

bool SlirpBackend::Send(std::span<const uint8_t> frame) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !outgoing_.Push(frame)) return false;
  }
  Wake();
  return true;
}

void SlirpBackend::Wake() {
  uint64_t one = 1;
  // A full counter (EAGAIN) already means "wake up".
  [[maybe_unused]] ssize_t n = write(wake_.get(), &one, sizeof one);
}

int SlirpBackend::RunDueTimers() {
  int64_t now_ms = MonotonicNs() / 1'000'000;
  // A callback may free or re-arm any timer, so look again after each.
  for (;;) {
    auto due = std::find_if(timers_.begin(), timers_.end(),
                            [&](const auto& t) { return t->expire_ms >= 0 && t->expire_ms <= now_ms; });
    if (due == timers_.end()) break;
    Timer* timer = due->get();
    timer->expire_ms = -1;
    timer->callback(timer->callback_opaque);
  }
  int64_t next = -1;
  for (const auto& t : timers_) {
    if (t->expire_ms >= 0 && (next < 0 || t->expire_ms < next)) next = t->expire_ms;
  }
  if (next < 0) return -1;
  return static_cast<int>(std::min<int64_t>(next - now_ms, 60'000));
}

void SlirpBackend::Loop() {
  std::vector<std::vector<uint8_t>> frames;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      while (!outgoing_.empty()) frames.push_back(outgoing_.Pop());
    }
    for (const auto& frame : frames) SlirpLibrary::Get().slirp_input(slirp_, frame.data(), static_cast<int>(frame.size()));
    frames.clear();

    int timer_ms = RunDueTimers();
    pollfds_.clear();
    pollfds_.push_back({wake_.get(), POLLIN, 0});
    uint32_t slirp_ms = UINT32_MAX;
    SlirpLibrary::Get().slirp_pollfds_fill(slirp_, &slirp_ms, Callbacks::AddPoll, this);
    int timeout = slirp_ms == UINT32_MAX ? -1 : static_cast<int>(std::min<uint32_t>(slirp_ms, 60'000));
    if (timer_ms >= 0 && (timeout < 0 || timer_ms < timeout)) timeout = timer_ms;

    int ready = poll(pollfds_.data(), pollfds_.size(), timeout);
    if (ready > 0 && (pollfds_[0].revents & POLLIN)) {
      uint64_t count;
      [[maybe_unused]] ssize_t n = read(wake_.get(), &count, sizeof count);
    }
    SlirpLibrary::Get().slirp_pollfds_poll(slirp_, ready < 0, Callbacks::GetREvents, this);
  }
}

}  // namespace tinyrange::virtio
