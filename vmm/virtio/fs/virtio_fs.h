// virtio-fs (virtio 1.x, 5.11): a host directory the guest mounts with
// `mount -t virtiofs <tag> <dir>`, served in-process by FuseServer.
//
// Config space is the tag (36 bytes, NUL-padded) and num_request_queues
// (1). Queue 0 is the high-priority queue (FORGET, INTERRUPT), queue 1
// the request queue; both are served by the same server, one request at
// a time. A malformed chain stops the device with DEVICE_NEEDS_RESET; a
// request that cannot be parsed is answered with EINVAL, or returned
// unanswered when it has no readable header or no room for a reply.
// No DAX window and no notification queue are offered.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "vmm/guest_memory.h"
#include "vmm/virtio/fs/fuse_server.h"
#include "vmm/virtio/virtio_device.h"

namespace tinyrange::virtio {

struct FsShareOptions {
  std::string host_dir;  // the directory shared with the guest
  std::string tag;       // what the guest mounts: 1 to 36 bytes
  bool read_only = false;
};

class VirtioFs : public VirtioDevice {
 public:
  static constexpr uint16_t kHiprioQueue = 0;
  static constexpr uint16_t kRequestQueue = 1;
  static constexpr size_t kTagSize = 36;

  // Opens the share; throws VmmError naming the directory if it cannot be
  // opened, or if the tag is empty or longer than 36 bytes.
  static std::unique_ptr<VirtioFs> Open(const FsShareOptions& options, const GuestMemory* memory);
  VirtioFs(std::unique_ptr<fs::FuseServer> server, std::string tag, const GuestMemory* memory);

  uint32_t device_id() const override { return kDeviceIdFs; }
  uint64_t device_features() const override { return 0; }
  uint16_t queue_count() const override { return 2; }
  uint16_t queue_max_size() const override { return 256; }
  void ReadConfig(uint64_t offset, std::span<uint8_t> data) override;
  void WriteConfig(uint64_t, std::span<const uint8_t>) override {}
  void Activate(VirtioContext* context) override { context_ = context; }
  void QueueNotify(uint16_t queue) override;
  void Reset() override;

  fs::FuseServer& server() { return *server_; }

 private:
  std::unique_ptr<fs::FuseServer> server_;
  std::string tag_;
  const GuestMemory* memory_;
  VirtioContext* context_ = nullptr;
};

}  // namespace tinyrange::virtio
