// The device through the virtio-mmio transport on synthetic guest memory,
// with both queues set up as the Linux driver sets them up.
#include "vmm/virtio/fs/virtio_fs.h"

#include <gtest/gtest.h>

#include "vmm/devices/bus.h"
#include "vmm/virtio/fs/fuse_test_client.h"
#include "vmm/virtio/fs/fuse_test_fixture.h"
#include "vmm/virtio/test_driver.h"
#include "vmm/virtio/virtio_mmio.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

using fs::testing::Bytes;
using fs::testing::Cat;
using fs::testing::FuseTestClient;
using fs::testing::Str;
using fs::testing::Struct;

using Part = testing::TestDriver::Part;

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
    driver_ = std::make_unique<testing::TestDriver>(transport_.get(), &memory, 2);
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
  std::unique_ptr<testing::TestDriver> driver_;
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
