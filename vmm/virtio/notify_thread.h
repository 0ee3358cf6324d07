// Queue notifications without VM exits to user space: each virtqueue's
// QueueNotify register is bound to an eventfd with KVM_IOEVENTFD (matching
// the queue index written), so a guest's kick returns to the guest at once
// inside KVM, and this thread serves the queue in parallel with the vCPU.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "vmm/scoped_fd.h"
#include "vmm/virtio/virtio_mmio.h"

namespace tinyrange::virtio {

class NotifyThread {
 public:
  NotifyThread();
  ~NotifyThread();  // stops and joins
  NotifyThread(const NotifyThread&) = delete;
  NotifyThread& operator=(const NotifyThread&) = delete;

  // Registers an ioeventfd for every queue of `transport` at
  // `base + QueueNotify` on the VM. Before Start(). Throws VmmError.
  void Bind(int vm_fd, uint64_t base, std::shared_ptr<VirtioMmioTransport> transport);
  void Start();
  void Stop();

 private:
  struct Binding {
    ScopedFd event;
    std::shared_ptr<VirtioMmioTransport> transport;
    uint32_t queue;
  };
  void Loop();

  ScopedFd epoll_;
  ScopedFd stop_;
  std::vector<std::unique_ptr<Binding>> bindings_;
  std::thread thread_;
};

}  // namespace tinyrange::virtio
