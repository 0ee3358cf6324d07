#include "vmm/virtio/input_port.h"

#include <algorithm>
#include <cstring>

#include "vmm/devices/bus.h"
#include "vmm/virtio/chain_io.h"
#include "vmm/virtio/console.h"

namespace tinyrange::virtio {

namespace {

constexpr size_t kControlSize = 8;  // le32 id, le16 event, le16 value
constexpr uint32_t kPortId = 0;
// The control messages a driver can have outstanding are bounded by the
// handshake; more than this is a driver stuck or hostile.
constexpr size_t kMaxPendingControl = 16;

}  // namespace

VirtioInputPort::VirtioInputPort(const GuestMemory* memory, std::string name)
    : memory_(memory), name_(name.substr(0, kMaxNameLength)) {}

void VirtioInputPort::ReadConfig(uint64_t offset, std::span<uint8_t> data) {
  // cols, rows (no size feature), max_nr_ports = 1, emerg_wr.
  uint8_t config[12] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  ReadConfigBytes(config, offset, data);
}

void VirtioInputPort::Activate(VirtioContext* context) {
  std::lock_guard lock(mu_);
  context_ = context;
}

void VirtioInputPort::Reset() {
  std::lock_guard lock(mu_);
  // A new driver starts the handshake again; the host's input is kept.
  context_ = nullptr;
  control_out_.clear();
  port_ready_ = guest_open_ = guest_closed_ = told_end_ = false;
}

void VirtioInputPort::SendControlLocked(uint16_t event, uint16_t value, std::string_view payload) {
  if (control_out_.size() >= kMaxPendingControl) return;
  std::vector<uint8_t> message(kControlSize + payload.size());
  StoreLittleEndian(std::span<uint8_t>(message.data(), 4), kPortId);
  StoreLittleEndian(std::span<uint8_t>(message.data() + 4, 2), event);
  StoreLittleEndian(std::span<uint8_t>(message.data() + 6, 2), value);
  std::memcpy(message.data() + kControlSize, payload.data(), payload.size());
  control_out_.push_back(std::move(message));
}

void VirtioInputPort::HandleControlLocked(Notifications* out) {
  SplitQueue& q = context_->queue(kControlTransmitQueue);
  while (auto chain = q.Pop(&out->error)) {
    uint8_t message[kControlSize];
    ChainIo io(*memory_, *chain);
    bool whole = chain->readable_bytes >= kControlSize && io.ReadReadable(0, message);
    q.Push(chain->head, 0);
    out->queue[kControlTransmitQueue] = true;
    if (!whole) continue;  // a short message says nothing; the guest only loses it
    auto id = static_cast<uint32_t>(LoadLittleEndian(std::span<const uint8_t>(message, 4)));
    auto event = static_cast<uint16_t>(LoadLittleEndian(std::span<const uint8_t>(message + 4, 2)));
    auto value = static_cast<uint16_t>(LoadLittleEndian(std::span<const uint8_t>(message + 6, 2)));
    switch (event) {
      case kDeviceReady:
        if (value == 1) SendControlLocked(kDeviceAdd, 0);
        break;
      case kPortReady:
        if (id != kPortId || value != 1 || port_ready_) break;
        port_ready_ = true;
        // The connection state first, then the name (see the header).
        told_end_ = InputFinishedLocked();
        SendControlLocked(kPortOpen, told_end_ ? 0 : 1);
        SendControlLocked(kPortName, 0, name_);
        break;
      case kPortOpen:
        if (id != kPortId || !port_ready_) break;
        if (value == 1 && !guest_closed_) {
          guest_open_ = true;
        } else if (value == 0 && guest_open_) {
          // Nothing the host sends after this reaches a reader.
          guest_open_ = false;
          guest_closed_ = true;
          input_.clear();
          drained_.notify_all();
        }
        break;
      default:
        break;  // resize, console and removal events are not ours to handle
    }
  }
}

void VirtioInputPort::DiscardTransmitLocked(Notifications* out) {
  SplitQueue& q = context_->queue(kPortTransmitQueue);
  while (auto chain = q.Pop(&out->error)) {
    q.Push(chain->head, 0);
    out->queue[kPortTransmitQueue] = true;
  }
}

void VirtioInputPort::DeliverLocked(Notifications* out) {
  if (guest_open_ && !input_.empty()) {
    if (FillReceiveBuffers(context_->queue(kPortReceiveQueue), *memory_, &input_, &out->error)) {
      out->queue[kPortReceiveQueue] = true;
    }
    if (input_.size() < kInputHighWater / 2) drained_.notify_all();
  }
  if (port_ready_ && !told_end_ && InputFinishedLocked()) {
    told_end_ = true;
    SendControlLocked(kPortOpen, 0);
  }
  SplitQueue& control = context_->queue(kControlReceiveQueue);
  while (!control_out_.empty()) {
    auto chain = control.Pop(&out->error);
    if (!chain) break;
    const std::vector<uint8_t>& message = control_out_.front();
    ChainIo io(*memory_, *chain);
    uint32_t written = chain->writable_bytes >= message.size() && io.WriteWritable(0, message)
                           ? static_cast<uint32_t>(message.size())
                           : 0;
    control.Push(chain->head, written);
    control_out_.pop_front();
    out->queue[kControlReceiveQueue] = true;
  }
}

void VirtioInputPort::Flush(VirtioContext* context, const Notifications& n) {
  if (!context) return;
  if (!n.error.empty()) context->NeedsReset(n.error);
  for (uint16_t q = 0; q < kQueueCount; ++q) {
    if (n.queue[q]) context->NotifyUsed(q);
  }
}

void VirtioInputPort::QueueNotify(uint16_t queue) {
  Notifications n;
  VirtioContext* context;
  {
    std::lock_guard lock(mu_);
    context = context_;
    if (!context) return;
    if (queue == kControlTransmitQueue) HandleControlLocked(&n);
    if (queue == kPortTransmitQueue) DiscardTransmitLocked(&n);
    if (n.error.empty()) DeliverLocked(&n);
  }
  Flush(context, n);
}

bool VirtioInputPort::EnqueueInput(std::span<const uint8_t> bytes) {
  std::unique_lock lock(mu_);
  size_t next = 0;
  for (;;) {
    if (shutdown_ || guest_closed_) return false;
    while (next < bytes.size() && input_.size() < kInputHighWater) input_.push_back(bytes[next++]);
    Notifications n;
    VirtioContext* context = context_;
    if (context) DeliverLocked(&n);
    // Notify outside our lock: the transport holds its own when it calls
    // QueueNotify, which takes ours.
    lock.unlock();
    Flush(context, n);
    lock.lock();
    if (next == bytes.size()) return !shutdown_ && !guest_closed_;
    drained_.wait(lock, [&] { return shutdown_ || guest_closed_ || input_.size() < kInputHighWater; });
  }
}

void VirtioInputPort::CloseInput() {
  Notifications n;
  VirtioContext* context;
  {
    std::lock_guard lock(mu_);
    input_closed_ = true;
    context = context_;
    if (context) DeliverLocked(&n);
  }
  Flush(context, n);
}

void VirtioInputPort::Shutdown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  drained_.notify_all();
}

}  // namespace tinyrange::virtio
