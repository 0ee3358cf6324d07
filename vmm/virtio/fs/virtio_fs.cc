#include "vmm/virtio/fs/virtio_fs.h"

#include <cstring>

#include "vmm/virtio/chain_io.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {

namespace {

// A descriptor chain as the FUSE server's buffers.
class ChainFuseBuffers : public fs::FuseBuffers {
 public:
  ChainFuseBuffers(const GuestMemory& memory, const DescriptorChain& chain) : io_(memory, chain), chain_(chain) {}
  uint64_t readable_size() const override { return chain_.readable_bytes; }
  uint64_t writable_size() const override { return chain_.writable_bytes; }
  bool Read(uint64_t offset, std::span<uint8_t> out) const override { return io_.ReadReadable(offset, out); }
  bool Write(uint64_t offset, std::span<const uint8_t> data) const override {
    return io_.WriteWritable(offset, data);
  }
  bool Iovecs(bool writable, uint64_t offset, uint64_t length, std::vector<iovec>* out) const override {
    return io_.Iovecs(writable, offset, length, out);
  }

 private:
  ChainIo io_;
  const DescriptorChain& chain_;
};

}  // namespace

std::unique_ptr<VirtioFs> VirtioFs::Open(const FsShareOptions& options, const GuestMemory* memory) {
  if (options.tag.empty() || options.tag.size() > kTagSize) {
    throw VmmError("virtio-fs tag '" + options.tag + "' for '" + options.host_dir + "' must be 1 to 36 bytes");
  }
  fs::FuseServer::Options server_options;
  server_options.read_only = options.read_only;
  return std::make_unique<VirtioFs>(fs::FuseServer::Open(options.host_dir, server_options), options.tag, memory);
}

VirtioFs::VirtioFs(std::unique_ptr<fs::FuseServer> server, std::string tag, const GuestMemory* memory)
    : server_(std::move(server)), tag_(std::move(tag)), memory_(memory) {}

void VirtioFs::ReadConfig(uint64_t offset, std::span<uint8_t> data) {
  uint8_t config[kTagSize + 4] = {};
  std::memcpy(config, tag_.data(), std::min(tag_.size(), kTagSize));
  uint32_t request_queues = 1;
  std::memcpy(config + kTagSize, &request_queues, sizeof request_queues);
  ReadConfigBytes(config, offset, data);
}

void VirtioFs::QueueNotify(uint16_t queue) {
  if (!context_ || queue >= queue_count()) return;
  SplitQueue& q = context_->queue(queue);
  std::string error;
  bool served = false;
  while (auto chain = q.Pop(&error)) {
    ChainFuseBuffers buffers(*memory_, *chain);
    q.Push(chain->head, server_->Handle(buffers));
    served = true;
  }
  if (!error.empty()) context_->NeedsReset(error);
  if (served) context_->NotifyUsed(queue);
}

void VirtioFs::Reset() {
  context_ = nullptr;
  server_->Reset();
}

}  // namespace tinyrange::virtio
