// The device through the virtio-mmio transport on synthetic guest memory,
// with both queues set up as the Linux driver sets them up.
#include "vmm/virtio/fs/virtio_fs.h"

#include <gtest/gtest.h>

#include "vmm/devices/bus.h"
#include "vmm/virtio/fs/fuse_test_client.h"
#include "vmm/virtio/fs/fuse_test_fixture.h"
#include "vmm/virtio/virtio_mmio.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

using fs::testing::Bytes;
using fs::testing::Cat;
using fs::testing::FuseTestClient;
using fs::testing::Str;
using fs::testing::Struct;

// A guest driver for a two-queue device: queue q's rings live at
// 0x10000 + q * 0x4000 and its buffers at 0x100000 + q * 0x200000.
class TwoQueueDriver {
 public:
  static constexpr uint16_t kQueueSize = 16;
  struct Part {
    Bytes bytes;
    bool writable;
  };

  TwoQueueDriver(VirtioMmioTransport* transport, const GuestMemory* memory) : t_(transport), m_(memory) {}

  uint32_t In(uint64_t offset) {
    uint8_t b[4];
    t_->Read(offset, b);
    return static_cast<uint32_t>(LoadLittleEndian(b));
  }
  void Out(uint64_t offset, uint32_t value) {
    uint8_t b[4];
    StoreLittleEndian(b, value);
    t_->Write(offset, b);
  }
  bool Start() {
    Out(0x070, 0);
    Out(0x070, kStatusAcknowledge | kStatusDriver);
    Out(0x024, 1);
    Out(0x020, 1);  // VERSION_1
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    for (uint16_t q = 0; q < 2; ++q) {
      Out(0x030, q);
      Out(0x038, kQueueSize);
      Out(0x080, static_cast<uint32_t>(Desc(q)));
      Out(0x090, static_cast<uint32_t>(Desc(q) + 0x1000));
      Out(0x0a0, static_cast<uint32_t>(Desc(q) + 0x2000));
      Out(0x044, 1);
    }
    Out(0x070, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    return In(0x070) & kStatusDriverOk;
  }

  // Submits one chain on `queue`, kicks, and returns the used length; the
  // writable parts' final contents are read back into `parts`.
  uint32_t Submit(uint16_t queue, std::vector<Part>& parts) {
    State& s = state_[queue];
    uint64_t data = 0x100000 + queue * 0x200000ULL;
    for (size_t i = 0; i < parts.size(); ++i) {
      uint16_t index = static_cast<uint16_t>((s.next_desc + i) % kQueueSize);
      m_->Write(data, parts[i].bytes.data(), parts[i].bytes.size());
      uint64_t entry = Desc(queue) + 16ULL * index;
      m_->WriteObject(entry, data);
      m_->WriteObject(entry + 8, static_cast<uint32_t>(parts[i].bytes.size()));
      m_->WriteObject(entry + 12, static_cast<uint16_t>((parts[i].writable ? kDescFlagWrite : 0) |
                                                        (i + 1 < parts.size() ? kDescFlagNext : 0)));
      m_->WriteObject(entry + 14, static_cast<uint16_t>((index + 1) % kQueueSize));
      data += (parts[i].bytes.size() + 4095) & ~4095ULL;
    }
    uint64_t avail = Desc(queue) + 0x1000;
    m_->WriteObject(avail + 4 + 2 * (s.avail_idx % kQueueSize), s.next_desc);
    s.next_desc = static_cast<uint16_t>((s.next_desc + parts.size()) % kQueueSize);
    ++s.avail_idx;
    m_->WriteObject(avail + 2, s.avail_idx);
    Out(0x050, queue);
    uint32_t used_len = 0;
    m_->ReadObject(Desc(queue) + 0x2000 + 4 + 8 * (s.used_seen % kQueueSize) + 4, &used_len);
    ++s.used_seen;
    data = 0x100000 + queue * 0x200000ULL;
    for (auto& p : parts) {
      if (p.writable) m_->Read(data, p.bytes.data(), p.bytes.size());
      data += (p.bytes.size() + 4095) & ~4095ULL;
    }
    return used_len;
  }

  uint16_t used_index(uint16_t queue) {
    uint16_t v = 0;
    m_->ReadObject(Desc(queue) + 0x2000 + 2, &v);
    return v;
  }

 private:
  static uint64_t Desc(uint16_t queue) { return 0x10000 + queue * 0x4000ULL; }
  struct State {
    uint16_t next_desc = 0, avail_idx = 0, used_seen = 0;
  };
  VirtioMmioTransport* t_;
  const GuestMemory* m_;
  State state_[2];
};

using Part = TwoQueueDriver::Part;

fuse_out_header OutHeader(const Part& part) {
  fuse_out_header out = {};
  std::memcpy(&out, part.bytes.data(), std::min(part.bytes.size(), sizeof out));
  return out;
}

class VirtioFsTest : public fs::testing::FuseShareTest {
 protected:
  void Open(bool read_only = false) {
    auto device = VirtioFs::Open({share_, "hostshare", read_only}, &memory);
    fs_ = device.get();
    transport_ = std::make_unique<VirtioMmioTransport>(std::move(device), &memory, nullptr);
    driver_ = std::make_unique<TwoQueueDriver>(transport_.get(), &memory);
    ASSERT_TRUE(driver_->Start());
  }
  // One request on the request queue, the reply in one writable buffer.
  std::vector<Part> Call(uint32_t opcode, uint64_t nodeid, const Bytes& args, size_t room = 4096) {
    std::vector<Part> parts = {{FuseTestClient::Request(opcode, nodeid, args), false}, {Bytes(room, 0), true}};
    used_ = driver_->Submit(VirtioFs::kRequestQueue, parts);
    return parts;
  }
  void Init() {
    fuse_init_in in = {};
    in.major = 7;
    in.minor = 38;
    auto parts = Call(FUSE_INIT, 0, Struct(in));
    ASSERT_EQ(OutHeader(parts[1]).error, 0);
    ASSERT_EQ(used_, sizeof(fuse_out_header) + sizeof(fuse_init_out));
  }

  GuestMemory memory = GuestMemory::CreateX86(8 << 20);
  VirtioFs* fs_ = nullptr;
  std::unique_ptr<VirtioMmioTransport> transport_;
  std::unique_ptr<TwoQueueDriver> driver_;
  uint32_t used_ = 0;
};

TEST_F(VirtioFsTest, ConfigHoldsTheTagAndOneRequestQueue) {
  Open();
  EXPECT_EQ(driver_->In(0x008), kDeviceIdFs);
  uint8_t config[40];
  for (size_t i = 0; i < sizeof config; i += 4) transport_->Read(0x100 + i, std::span(config + i, 4));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(config)), "hostshare");
  for (size_t i = 9; i < 36; ++i) EXPECT_EQ(config[i], 0) << i;
  uint32_t queues;
  std::memcpy(&queues, config + 36, 4);
  EXPECT_EQ(queues, 1u);
}

TEST_F(VirtioFsTest, LookupOpenReadRoundTrip) {
  PutFile(share_ + "/hello.txt", "hello from the host");
  Open();
  Init();
  auto lookup = Call(FUSE_LOOKUP, 1, Str("hello.txt"));
  ASSERT_EQ(OutHeader(lookup[1]).error, 0);
  EXPECT_EQ(OutHeader(lookup[1]).unique, 7u);
  fuse_entry_out entry;
  std::memcpy(&entry, lookup[1].bytes.data() + sizeof(fuse_out_header), sizeof entry);
  EXPECT_EQ(entry.attr.size, 19u);
  auto open = Call(FUSE_OPEN, entry.nodeid, Struct(fuse_open_in{O_RDONLY, 0}));
  ASSERT_EQ(OutHeader(open[1]).error, 0);
  fuse_open_out opened;
  std::memcpy(&opened, open[1].bytes.data() + sizeof(fuse_out_header), sizeof opened);

  // The reply header in one buffer, the data split over two more.
  std::vector<Part> read = {
      {FuseTestClient::Request(FUSE_READ, entry.nodeid, Struct(fuse_read_in{opened.fh, 6, 100, 0, 0, 0, 0})), false},
      {Bytes(sizeof(fuse_out_header), 0), true},
      {Bytes(4, 0), true},
      {Bytes(96, 0), true}};
  uint32_t used = driver_->Submit(VirtioFs::kRequestQueue, read);
  EXPECT_EQ(used, sizeof(fuse_out_header) + 13);
  EXPECT_EQ(OutHeader(read[1]).len, used);
  EXPECT_EQ(std::string(read[2].bytes.begin(), read[2].bytes.end()), "from");
  EXPECT_EQ(std::string(read[3].bytes.begin(), read[3].bytes.begin() + 9), " the host");
}

TEST_F(VirtioFsTest, WritePayloadSplitAcrossDescriptors) {
  Open();
  Init();
  fuse_create_in create = {O_RDWR, S_IFREG | 0644, 0, 0};
  auto created = Call(FUSE_CREATE, 1, Cat({Struct(create), Str("out")}));
  ASSERT_EQ(OutHeader(created[1]).error, 0);
  fuse_entry_out entry;
  fuse_open_out opened;
  std::memcpy(&entry, created[1].bytes.data() + 16, sizeof entry);
  std::memcpy(&opened, created[1].bytes.data() + 16 + sizeof entry, sizeof opened);
  fuse_write_in in = {};
  in.fh = opened.fh;
  in.size = 10;
  Bytes request = FuseTestClient::Request(FUSE_WRITE, entry.nodeid, Cat({Struct(in), fs::testing::Raw("0123456789")}));
  std::vector<Part> parts = {{Bytes(request.begin(), request.begin() + 50), false},
                             {Bytes(request.begin() + 50, request.begin() + 83), false},
                             {Bytes(request.begin() + 83, request.end()), false},
                             {Bytes(64, 0), true}};
  EXPECT_EQ(driver_->Submit(VirtioFs::kRequestQueue, parts), sizeof(fuse_out_header) + sizeof(fuse_write_out));
  EXPECT_EQ(OutHeader(parts[3]).error, 0);
  EXPECT_EQ(GetFile(share_ + "/out"), "0123456789");
}

TEST_F(VirtioFsTest, ForgetOnTheHiprioQueue) {
  PutFile(share_ + "/f", "x");
  Open();
  Init();
  auto lookup = Call(FUSE_LOOKUP, 1, Str("f"));
  fuse_entry_out entry;
  std::memcpy(&entry, lookup[1].bytes.data() + sizeof(fuse_out_header), sizeof entry);
  size_t nodes = fs_->server().node_count();
  // FORGET has no reply: a chain with no writable part, returned with 0.
  std::vector<Part> forget = {{FuseTestClient::Request(FUSE_FORGET, entry.nodeid, Struct(fuse_forget_in{1})), false}};
  EXPECT_EQ(driver_->Submit(VirtioFs::kHiprioQueue, forget), 0u);
  EXPECT_EQ(driver_->used_index(VirtioFs::kHiprioQueue), 1);
  EXPECT_EQ(fs_->server().node_count(), nodes - 1);
  auto attr = Call(FUSE_GETATTR, entry.nodeid, Struct(fuse_getattr_in{}));
  EXPECT_EQ(OutHeader(attr[1]).error, -ESTALE);
}

TEST_F(VirtioFsTest, UnusableChainsAreReturnedWithoutAReply) {
  Open();
  Init();
  // Too short for a header.
  std::vector<Part> stub = {{Bytes(10, 0), false}, {Bytes(64, 0xee), true}};
  EXPECT_EQ(driver_->Submit(VirtioFs::kRequestQueue, stub), 0u);
  // No room for a reply.
  std::vector<Part> mute = {{FuseTestClient::Request(FUSE_GETATTR, 1, Struct(fuse_getattr_in{})), false}};
  EXPECT_EQ(driver_->Submit(VirtioFs::kRequestQueue, mute), 0u);
  EXPECT_EQ(driver_->used_index(VirtioFs::kRequestQueue), 3);
  EXPECT_FALSE(transport_->status() & kStatusNeedsReset);
  auto attr = Call(FUSE_GETATTR, 1, Struct(fuse_getattr_in{}));
  EXPECT_EQ(OutHeader(attr[1]).error, 0);
}

TEST_F(VirtioFsTest, DeviceResetDropsTheSession) {
  PutFile(share_ + "/f", "x");
  Open();
  Init();
  Call(FUSE_LOOKUP, 1, Str("f"));
  EXPECT_EQ(fs_->server().node_count(), 2u);
  driver_->Out(0x070, 0);
  EXPECT_EQ(fs_->server().node_count(), 1u);
  ASSERT_TRUE(driver_->Start());
}

TEST(VirtioFsOpenTest, MissingDirectoryAndBadTagsAreClearErrors) {
  GuestMemory memory = GuestMemory::CreateX86(4 << 20);
  try {
    VirtioFs::Open({"/nonexistent/share", "tag", false}, &memory);
    FAIL();
  } catch (const VmmError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/share"), std::string::npos);
  }
  EXPECT_THROW(VirtioFs::Open({"/tmp", "", false}, &memory), VmmError);
  EXPECT_THROW(VirtioFs::Open({"/tmp", std::string(37, 't'), false}, &memory), VmmError);
  EXPECT_NO_THROW(VirtioFs::Open({"/tmp", std::string(36, 't'), true}, &memory));
  EXPECT_THROW(VirtioFs::Open({"/etc/hostname", "tag", false}, &memory), VmmError);
}

}  // namespace
}  // namespace tinyrange::virtio
