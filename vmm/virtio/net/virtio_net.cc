#include "vmm/virtio/net/virtio_net.h"

#include <cstdio>
#include <vector>

#include "vmm/virtio/chain_io.h"

namespace tinyrange::virtio {
namespace {

// virtio_net_hdr_v1 for a received frame: no checksum or GSO information
// (we offer no offloads), and num_buffers = 1 as the frame fills one chain.
std::array<uint8_t, kNetHeaderSize> ReceiveHeader() {
  std::array<uint8_t, kNetHeaderSize> header{};
  header[10] = 1;  // num_buffers, little-endian
  return header;
}

}  // namespace

VirtioNet::VirtioNet(const GuestMemory* memory, std::unique_ptr<NetBackend> backend, VirtioNetConfig config)
    : memory_(memory),
      config_(std::move(config)),
      backlog_(config_.rx_backlog_frames, config_.rx_backlog_bytes),
      backend_(std::move(backend)) {
  NetBackend::FailureFn failed = config_.on_backend_failure;
  if (!failed) {
    failed = [](const std::string& why) { std::fprintf(stderr, "tr: network backend stopped: %s\n", why.c_str()); };
  }
  backend_->Start([this](std::span<const uint8_t> frame) { ReceiveFrame(frame); }, std::move(failed));
}

VirtioNet::~VirtioNet() { backend_->Stop(); }

void VirtioNet::ReadConfig(uint64_t offset, std::span<uint8_t> data) {
  // struct virtio_net_config: mac[6], status, max_virtqueue_pairs, mtu
  // (all little-endian).
  uint8_t config[12] = {};
  for (size_t i = 0; i < 6; ++i) config[i] = config_.mac[i];
  config[6] = kNetStatusLinkUp;
  config[8] = 1;
  config[10] = static_cast<uint8_t>(config_.mtu);
  config[11] = static_cast<uint8_t>(config_.mtu >> 8);
  ReadConfigBytes(config, offset, data);
}

void VirtioNet::Activate(VirtioContext* context) {
  std::string error;
  bool delivered;
  {
    std::lock_guard lock(mu_);
    context_ = context;
    delivered = DeliverLocked(&error);
  }
  AfterDelivery(context, delivered, error);
}

void VirtioNet::Reset() {
  std::lock_guard lock(mu_);
  // Frames meant for the driver being reset go with it; frames that came
  // before any driver was live survive the reset every driver starts with.
  if (context_) backlog_.Clear();
  context_ = nullptr;
  spare_rx_chain_.reset();
}

void VirtioNet::QueueNotify(uint16_t queue) {
  if (queue == kTransmitQueue) {
    Transmit();
    return;
  }
  if (queue != kReceiveQueue) return;
  // New receive buffers: deliver what waited for them.
  std::string error;
  VirtioContext* context;
  bool delivered;
  {
    std::lock_guard lock(mu_);
    context = context_;
    delivered = DeliverLocked(&error);
  }
  AfterDelivery(context, delivered, error);
}

void VirtioNet::Transmit() {
  VirtioContext* context;
  {
    std::lock_guard lock(mu_);
    context = context_;
  }
  if (!context) return;
  SplitQueue& q = context->queue(kTransmitQueue);
  std::string error;
  bool any = false;
  std::vector<uint8_t> frame;
  while (auto chain = q.Pop(&error)) {
    any = true;
    uint64_t readable = chain->readable_bytes;
    // The header carries nothing we act on (no offloads were offered).
    bool well_formed = readable >= kNetHeaderSize + kEthernetHeaderSize && readable - kNetHeaderSize <= kMaxFrameSize;
    if (well_formed) {
      frame.resize(readable - kNetHeaderSize);
      well_formed = ChainIo(*memory_, *chain).ReadReadable(kNetHeaderSize, frame);
    }
    // Sent before the chain goes back, so the backend copies the frame
    // while nothing else can touch it.
    bool sent = well_formed && backend_->Send(frame);
    q.Push(chain->head, 0);
    std::lock_guard lock(mu_);
    if (!well_formed) {
      ++stats_.tx_dropped_malformed;
    } else if (!sent) {
      ++stats_.tx_dropped_backend;
    } else {
      ++stats_.tx_frames;
      stats_.tx_bytes += frame.size();
    }
  }
  if (!error.empty()) context->NeedsReset(error);
  if (any) context->NotifyUsed(kTransmitQueue);
}

void VirtioNet::ReceiveFrame(std::span<const uint8_t> frame) {
  std::string error;
  VirtioContext* context;
  bool delivered = false;
  {
    std::lock_guard lock(mu_);
    if (frame.size() < kEthernetHeaderSize || frame.size() > kMaxFrameSize) {
      ++stats_.rx_dropped_malformed;
      return;
    }
    context = context_;
    if (!backlog_.Push(frame)) {
      // Full: make room with whatever buffers the guest has, then retry.
      delivered = DeliverLocked(&error);
      if (!backlog_.Push(frame)) ++stats_.rx_dropped_backlog;
    }
    delivered = DeliverLocked(&error) || delivered;
  }
  AfterDelivery(context, delivered, error);
}

bool VirtioNet::DeliverLocked(std::string* error) {
  if (!context_) return false;
  SplitQueue& q = context_->queue(kReceiveQueue);
  bool delivered = false;
  static const std::array<uint8_t, kNetHeaderSize> header = ReceiveHeader();
  while (!backlog_.empty()) {
    std::optional<DescriptorChain> chain = std::move(spare_rx_chain_);
    spare_rx_chain_.reset();
    if (!chain) chain = q.Pop(error);
    if (!chain) break;
    std::vector<uint8_t> frame = backlog_.Pop();
    if (chain->writable_bytes < kNetHeaderSize + frame.size()) {
      ++stats_.rx_dropped_oversize;
      spare_rx_chain_ = std::move(chain);
      continue;
    }
    ChainIo io(*memory_, *chain);
    uint32_t written = 0;
    if (io.WriteWritable(0, header) && io.WriteWritable(kNetHeaderSize, frame)) {
      written = static_cast<uint32_t>(kNetHeaderSize + frame.size());
      ++stats_.rx_frames;
      stats_.rx_bytes += frame.size();
    }
    q.Push(chain->head, written);
    delivered = true;
  }
  return delivered;
}

void VirtioNet::AfterDelivery(VirtioContext* context, bool delivered, const std::string& error) {
  if (!context) return;
  if (!error.empty()) context->NeedsReset(error);
  if (delivered) context->NotifyUsed(kReceiveQueue);
}

VirtioNetStats VirtioNet::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace tinyrange::virtio
