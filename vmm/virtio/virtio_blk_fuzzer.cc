// libFuzzer target: a hostile driver against virtio-blk over virtio-mmio.
//
// The input becomes guest memory from 0x10000 on: the descriptor table,
// the available ring (its index included) and the request buffers are
// whatever the fuzzer writes there. The harness plays the rest of the
// driver's part (handshake, queue addresses, the kick), so every path of
// the chain walker and of request parsing is reachable. Any crash,
// sanitizer report, hang or write outside guest RAM is a bug.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "vmm/devices/bus.h"
#include "vmm/guest_memory.h"
#include "vmm/virtio/block.h"
#include "vmm/virtio/virtio_mmio.h"

namespace {

using namespace tinyrange;
using namespace tinyrange::virtio;

constexpr uint64_t kFuzzedStart = 0x10000;
constexpr uint64_t kMemory = 4 << 20;

void Out(VirtioMmioTransport& t, uint64_t offset, uint32_t value) {
  uint8_t b[4];
  StoreLittleEndian(b, value);
  t.Write(offset, b);
}

std::string& DiskPathStorage() {
  static std::string path;
  return path;
}

void RemoveDisk() { unlink(DiskPathStorage().c_str()); }

std::string DiskPath() {
  static std::string path = [] {
    std::string p = std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") + "/tr_blk_fuzz_" +
                    std::to_string(getpid()) + ".img";
    FILE* f = fopen(p.c_str(), "w");
    if (f) {
      if (ftruncate(fileno(f), 256 * 1024) != 0) abort();
      fclose(f);
    }
    DiskPathStorage() = p;
    atexit(RemoveDisk);
    return p;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  static GuestMemory memory = GuestMemory::CreateX86(kMemory);
  uint8_t* base = memory.HostAddress(0, kMemory);
  std::memset(base, 0, kMemory);
  // Byte 0 picks the queue size (a power of two up to 256, or a bad one),
  // byte 1 whether EVENT_IDX is negotiated; the rest is guest memory.
  uint16_t queue_size = static_cast<uint16_t>(data[0] == 0 ? 3 : 1u << (data[0] % 9));
  bool event_idx = data[1] & 1;
  size_t n = std::min<size_t>(size - 2, kMemory - kFuzzedStart);
  std::memcpy(base + kFuzzedStart, data + 2, n);

  BlockOptions options;
  options.path = DiskPath();
  options.id = "fuzz";
  VirtioMmioTransport t(VirtioBlock::Open(options, &memory), &memory, nullptr);
  Out(t, 0x070, kStatusAcknowledge | kStatusDriver);
  Out(t, 0x024, 0);
  Out(t, 0x020, static_cast<uint32_t>(event_idx ? kFeatureEventIdx : 0));
  Out(t, 0x024, 1);
  Out(t, 0x020, 1);
  Out(t, 0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
  Out(t, 0x030, 0);
  Out(t, 0x038, queue_size);
  Out(t, 0x080, 0x10000);  // descriptors
  Out(t, 0x090, 0x20000);  // available ring
  Out(t, 0x0a0, 0x30000);  // used ring
  Out(t, 0x044, 1);
  Out(t, 0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
  Out(t, 0x050, 0);
  Out(t, 0x050, 0);  // a second kick finds whatever the first left
  return 0;
}
