#include "vmm/virtio/notify_thread.h"

#include <linux/kvm.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {

NotifyThread::NotifyThread() {
  epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) ThrowErrno("epoll_create1");
  stop_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_.valid()) ThrowErrno("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the stop event
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, stop_.get(), &ev) < 0) ThrowErrno("epoll_ctl");
}

NotifyThread::~NotifyThread() { Stop(); }

void NotifyThread::Bind(int vm_fd, uint64_t base, std::shared_ptr<VirtioMmioTransport> transport) {
  for (uint32_t q = 0; q < transport->queue_count(); ++q) {
    auto binding = std::make_unique<Binding>();
    binding->event.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!binding->event.valid()) ThrowErrno("eventfd");
    binding->transport = transport;
    binding->queue = q;
    kvm_ioeventfd io{};
    io.addr = base + kMmioQueueNotifyOffset;
    io.len = 4;
    io.datamatch = q;
    io.fd = binding->event.get();
    io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
    if (ioctl(vm_fd, KVM_IOEVENTFD, &io) < 0) ThrowErrno("KVM_IOEVENTFD");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = binding.get();
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, binding->event.get(), &ev) < 0) ThrowErrno("epoll_ctl");
    bindings_.push_back(std::move(binding));
  }
}

void NotifyThread::Start() {
  if (!bindings_.empty()) thread_ = std::thread([this] { Loop(); });
}

void NotifyThread::Stop() {
  uint64_t one = 1;
  if (write(stop_.get(), &one, sizeof one) < 0 && errno != EAGAIN) {
    // Nothing else to do: the join below would hang only if the thread
    // never started, in which case it is not joinable.
  }
  if (thread_.joinable()) thread_.join();
}

void NotifyThread::Loop() {
  epoll_event events[16];
  for (;;) {
    int n = epoll_wait(epoll_.get(), events, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < n; ++i) {
      auto* binding = static_cast<Binding*>(events[i].data.ptr);
      if (!binding) return;  // stop
      uint64_t count;
      // Several kicks may have accumulated; one pass serves them all.
      if (read(binding->event.get(), &count, sizeof count) == sizeof count) {
        binding->transport->Notify(binding->queue);
      }
    }
  }
}

}  // namespace tinyrange::virtio
