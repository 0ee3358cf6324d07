#include "vmm/virtio/console.h"

#include <cstring>
#include <vector>

#include "vmm/virtio/chain_io.h"

namespace tinyrange::virtio {

void VirtioConsole::ReadConfig(uint64_t offset, std::span<uint8_t> data) {
  // cols, rows (meaningful with F_SIZE; 80x25 otherwise), max_nr_ports
  // (one: no multiport), emerg_wr.
  Size size;
  {
    std::lock_guard lock(mu_);
    size = size_;
  }
  uint8_t config[12] = {static_cast<uint8_t>(size.cols), static_cast<uint8_t>(size.cols >> 8),
                        static_cast<uint8_t>(size.rows), static_cast<uint8_t>(size.rows >> 8),
                        1, 0, 0, 0, 0, 0, 0, 0};
  ReadConfigBytes(config, offset, data);
}

void VirtioConsole::SetSize(uint16_t cols, uint16_t rows) {
  if (!reports_size_ || cols == 0 || rows == 0) return;
  VirtioContext* context;
  {
    std::lock_guard lock(mu_);
    if (size_.cols == cols && size_.rows == rows) return;
    size_ = {cols, rows};
    context = context_;
  }
  // Outside our lock, as for NotifyUsed.
  if (context && (context->negotiated_features() & kFeatureSize)) context->NotifyConfigChanged();
}

void VirtioConsole::Activate(VirtioContext* context) {
  std::lock_guard lock(mu_);
  context_ = context;
}

void VirtioConsole::Reset() {
  std::lock_guard lock(mu_);
  context_ = nullptr;
}

void VirtioConsole::QueueNotify(uint16_t queue) {
  if (queue == kTransmitQueue) {
    Transmit();
    return;
  }
  if (queue != kReceiveQueue) return;
  // New receive buffers: deliver what is waiting.
  std::string error;
  VirtioContext* context;
  bool delivered;
  {
    std::lock_guard lock(mu_);
    context = context_;
    delivered = DeliverLocked(&error);
  }
  if (!context) return;
  if (!error.empty()) context->NeedsReset(error);
  if (delivered) context->NotifyUsed(kReceiveQueue);
}

void VirtioConsole::Transmit() {
  VirtioContext* context;
  {
    std::lock_guard lock(mu_);
    context = context_;
  }
  if (!context) return;
  SplitQueue& q = context->queue(kTransmitQueue);
  std::string error;
  bool any = false;
  std::vector<uint8_t> bytes;
  while (auto chain = q.Pop(&error)) {
    ChainIo io(*memory_, *chain);
    bytes.resize(chain->readable_bytes);
    if (io.ReadReadable(0, bytes)) output_->Write(bytes);
    q.Push(chain->head, 0);
    any = true;
  }
  if (!error.empty()) context->NeedsReset(error);
  if (any) context->NotifyUsed(kTransmitQueue);
}

bool FillReceiveBuffers(SplitQueue& q, const GuestMemory& memory, std::deque<uint8_t>* input, std::string* error) {
  bool delivered = false;
  std::vector<uint8_t> bytes;
  while (!input->empty()) {
    auto chain = q.Pop(error);
    if (!chain) break;
    ChainIo io(memory, *chain);
    size_t n = std::min<size_t>(input->size(), chain->writable_bytes);
    bytes.assign(input->begin(), input->begin() + static_cast<long>(n));
    if (!io.WriteWritable(0, bytes)) n = 0;
    input->erase(input->begin(), input->begin() + static_cast<long>(n));
    q.Push(chain->head, static_cast<uint32_t>(n));
    delivered = true;
  }
  return delivered;
}

bool VirtioConsole::DeliverLocked(std::string* error) {
  if (!context_ || input_.empty()) return false;
  bool delivered = FillReceiveBuffers(context_->queue(kReceiveQueue), *memory_, &input_, error);
  if (input_.size() < kInputHighWater / 2) drained_.notify_all();
  return delivered;
}

bool VirtioConsole::EnqueueInput(std::span<const uint8_t> bytes) {
  std::unique_lock lock(mu_);
  size_t next = 0;
  do {
    if (shutdown_) return false;
    while (next < bytes.size() && input_.size() < kInputHighWater) input_.push_back(bytes[next++]);
    std::string error;
    bool delivered = DeliverLocked(&error);
    VirtioContext* context = context_;
    // Notify outside our lock: the transport takes its own, and holds it
    // when it calls QueueNotify, which takes ours.
    lock.unlock();
    if (context && !error.empty()) context->NeedsReset(error);
    if (context && delivered) context->NotifyUsed(kReceiveQueue);
    lock.lock();
    if (next < bytes.size()) {
      drained_.wait(lock, [&] { return shutdown_ || input_.size() < kInputHighWater; });
    }
  } while (next < bytes.size());
  return !shutdown_;
}

void VirtioConsole::Shutdown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  drained_.notify_all();
}

}  // namespace tinyrange::virtio
