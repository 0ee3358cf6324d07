// libFuzzer target: a hostile guest against the FUSE server and the
// virtio-fs device.
//
// Byte 0 picks the mode (bit 0) and whether the share is read-only
// (bit 1). Every input starts from the same small host tree (a file, a
// directory, a symlink to "/"), and a valid INIT is sent first so the
// fuzzer's requests reach the opcodes.
//
//   server mode: the rest is a sequence of records
//     [u16 reply room in bytes][u32 request length][request bytes]
//   each handed to FuseServer::Handle as one request (the header's own
//   len field is the fuzzer's, so it may lie).
//   device mode: byte 1 picks the queue size, the rest becomes guest
//   memory from 0x10000 on (descriptor tables, rings and buffers of both
//   queues); the harness plays the driver's handshake and kicks both.
//
// Any crash, sanitizer report, hang or host access outside the tree is a
// bug. File sizes are capped (RLIMIT_FSIZE, 4 MiB) so FALLOCATE and WRITE
// at huge offsets cannot fill the disk (or, on tmpfs, memory).
#include <linux/fuse.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "vmm/devices/bus.h"
#include "vmm/guest_memory.h"
#include "vmm/virtio/fs/fuse_buffers.h"
#include "vmm/virtio/fs/fuse_server.h"
#include "vmm/virtio/fs/virtio_fs.h"
#include "vmm/virtio/virtio_mmio.h"

namespace {

using namespace tinyrange;
using namespace tinyrange::virtio;

constexpr uint64_t kFuzzedStart = 0x10000;
constexpr uint64_t kMemory = 4 << 20;
constexpr size_t kMaxReplyRoom = 64 * 1024;

std::string& WorkDir() {
  static std::string dir;
  return dir;
}

void RemoveWorkDir() {
  std::error_code ignored;
  std::filesystem::remove_all(WorkDir(), ignored);
}

// libFuzzer ends with _Exit, so atexit cleanup does not always run: trees
// of fuzzer processes that are gone are removed at the next start.
void RemoveStaleWorkDirs(const std::string& base) {
  constexpr std::string_view kPrefix = "tr_fs_fuzz_";
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(base, ignored)) {
    std::string name = entry.path().filename();
    if (!name.starts_with(kPrefix)) continue;
    pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + kPrefix.size()));
    if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove_all(entry.path(), ignored);
  }
}

// A fresh share for every input, so inputs do not depend on each other.
std::string FreshShare() {
  static bool once = [] {
    // The tree is rebuilt for every input: on tmpfs that is ten times
    // faster than on a disk file system.
    std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    RemoveStaleWorkDirs(base);
    WorkDir() = base + "/tr_fs_fuzz_" + std::to_string(getpid());
    atexit(RemoveWorkDir);
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit = {4 << 20, 4 << 20};
    setrlimit(RLIMIT_FSIZE, &limit);
    return true;
  }();
  (void)once;
  std::string share = WorkDir() + "/share";
  std::error_code ignored;
  std::filesystem::remove_all(share, ignored);
  std::filesystem::create_directories(share + "/d");
  std::ofstream(share + "/f") << "fuzz file contents";
  std::ofstream(share + "/d/g") << "g";
  std::filesystem::create_directory_symlink("/", share + "/s", ignored);
  return share;
}

void SendInit(fs::FuseServer& server) {
  fuse_in_header header = {};
  fuse_init_in init = {};
  header.len = sizeof header + sizeof init;
  header.opcode = FUSE_INIT;
  init.major = 7;
  init.minor = FUSE_KERNEL_MINOR_VERSION;
  init.flags = 0xffffffff;
  std::vector<uint8_t> request(header.len);
  std::memcpy(request.data(), &header, sizeof header);
  std::memcpy(request.data() + sizeof header, &init, sizeof init);
  fs::ByteFuseBuffers buffers(request, 4096);
  server.Handle(buffers);
}

void FuzzServer(const uint8_t* data, size_t size, bool read_only) {
  fs::FuseServer::Options options;
  options.read_only = read_only;
  auto server = fs::FuseServer::Open(FreshShare(), options);
  SendInit(*server);
  while (size >= 6) {
    uint16_t room;
    uint32_t length;
    std::memcpy(&room, data, 2);
    std::memcpy(&length, data + 2, 4);
    data += 6;
    size -= 6;
    length = static_cast<uint32_t>(std::min<size_t>(length, size));
    fs::ByteFuseBuffers buffers(std::vector<uint8_t>(data, data + length),
                                std::min<size_t>(room, kMaxReplyRoom));
    uint32_t written = server->Handle(buffers);
    if (written > buffers.writable_size()) abort();
    data += length;
    size -= length;
  }
}

void Out(VirtioMmioTransport& t, uint64_t offset, uint32_t value) {
  uint8_t b[4];
  StoreLittleEndian(b, value);
  t.Write(offset, b);
}

void FuzzDevice(const uint8_t* data, size_t size, bool read_only) {
  if (size < 1) return;
  static GuestMemory memory = GuestMemory::CreateX86(kMemory);
  uint8_t* base = memory.HostAddress(0, kMemory);
  std::memset(base, 0, kMemory);
  uint16_t queue_size = static_cast<uint16_t>(data[0] == 0 ? 3 : 1u << (data[0] % 9));
  size_t n = std::min<size_t>(size - 1, kMemory - kFuzzedStart);
  std::memcpy(base + kFuzzedStart, data + 1, n);

  auto device = VirtioFs::Open({FreshShare(), "fuzz", read_only}, &memory);
  SendInit(device->server());
  VirtioMmioTransport t(std::move(device), &memory, nullptr);
  Out(t, 0x070, kStatusAcknowledge | kStatusDriver);
  Out(t, 0x024, 1);
  Out(t, 0x020, 1);
  Out(t, 0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
  // The request queue's rings first (the fuzzer reaches them with short
  // inputs), then the hiprio queue's; buffers anywhere after.
  for (uint32_t q : {VirtioFs::kRequestQueue, VirtioFs::kHiprioQueue}) {
    uint32_t rings = q == VirtioFs::kRequestQueue ? 0x10000 : 0x12000;
    Out(t, 0x030, q);
    Out(t, 0x038, queue_size);
    Out(t, 0x080, rings);           // descriptors
    Out(t, 0x090, rings + 0x1000);  // available ring
    Out(t, 0x0a0, rings + 0x1800);  // used ring
    Out(t, 0x044, 1);
  }
  Out(t, 0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
  Out(t, 0x050, 1);
  Out(t, 0x050, 0);
  Out(t, 0x050, 1);  // a second kick finds whatever the first left
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  bool device_mode = data[0] & 1;
  bool read_only = data[0] & 2;
  if (device_mode) {
    FuzzDevice(data + 1, size - 1, read_only);
  } else {
    FuzzServer(data + 1, size - 1, read_only);
  }
  return 0;
}
