#include "vmm/virtio/net/stream_backend.h"

#include <poll.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "vmm/virtio/net/test_frame_inbox.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

using testing::FrameInbox;
using Bytes = std::vector<uint8_t>;

Bytes Frame(size_t size, uint8_t seed) {
  Bytes frame(size);
  for (size_t i = 0; i < size; ++i) frame[i] = static_cast<uint8_t>(seed + i);
  return frame;
}

Bytes Framed(const Bytes& frame) {
  uint32_t n = static_cast<uint32_t>(frame.size());
  Bytes bytes(4 + frame.size());
  for (int i = 0; i < 4; ++i) bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (24 - 8 * i));
  std::copy(frame.begin(), frame.end(), bytes.begin() + 4);
  return bytes;
}

// Reads exactly `n` bytes from a blocking socket, giving up after a few
// seconds of silence.
Bytes ReadExactly(int fd, size_t n) {
  Bytes bytes(n);
  size_t got = 0;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) break;
    ssize_t r = read(fd, bytes.data() + got, n - got);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  bytes.resize(got);
  return bytes;
}

class StreamBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    peer.Reset(fds[1]);
    backend = std::make_unique<StreamBackend>(ScopedFd(fds[0]), "test-socketpair");
    backend->Start([this](std::span<const uint8_t> f) { inbox.Add(f); },
                   [this](const std::string& why) { inbox.Fail(why); });
  }
  void PeerWrite(const Bytes& bytes) { ASSERT_EQ(write(peer.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size())); }
  // Waits until the backend has read everything the peer wrote (the
  // peer's unread-bytes count drops to zero), with a deadline.
  bool WaitUntilConsumed() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      int unread = 0;
      if (ioctl(peer.get(), SIOCOUTQ, &unread) != 0) return false;
      if (unread == 0) return true;
      std::this_thread::yield();
    }
    return false;
  }
  std::optional<Bytes> Next() {
    return inbox.WaitFor([](const Bytes&) { return true; });
  }

  FrameInbox inbox;
  ScopedFd peer;
  std::unique_ptr<StreamBackend> backend;
};

TEST_F(StreamBackendTest, SentFramesAreLengthPrefixed) {
  Bytes a = Frame(60, 1), b = Frame(1514, 2);
  ASSERT_TRUE(backend->Send(a));
  ASSERT_TRUE(backend->Send(b));
  Bytes expected = Framed(a);
  Bytes framed_b = Framed(b);
  expected.insert(expected.end(), framed_b.begin(), framed_b.end());
  EXPECT_EQ(ReadExactly(peer.get(), expected.size()), expected);
}

TEST_F(StreamBackendTest, ReceivedFramesAreReassembledFromPartialReads) {
  Bytes frame = Frame(300, 7);
  Bytes bytes = Framed(frame);
  // In pieces that split the length prefix and the frame, each written
  // only once the backend has read everything before it.
  size_t cuts[] = {0, 2, 100, bytes.size()};
  for (size_t i = 0; i + 1 < std::size(cuts); ++i) {
    PeerWrite(Bytes(bytes.begin() + static_cast<long>(cuts[i]), bytes.begin() + static_cast<long>(cuts[i + 1])));
    ASSERT_TRUE(WaitUntilConsumed());
    if (i + 2 < std::size(cuts)) {
      EXPECT_FALSE(inbox.WaitFor([](const Bytes&) { return true; }, std::chrono::milliseconds(0)))
          << "delivered before the frame was complete";
    }
  }
  auto got = Next();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, frame);
}

TEST_F(StreamBackendTest, SeveralFramesInOneWriteAreAllDelivered) {
  Bytes a = Frame(60, 1), b = Frame(61, 2), c = Frame(14, 3);
  Bytes bytes = Framed(a);
  for (const Bytes& f : {b, c}) {
    Bytes framed = Framed(f);
    bytes.insert(bytes.end(), framed.begin(), framed.end());
  }
  PeerWrite(bytes);
  EXPECT_EQ(Next(), a);
  EXPECT_EQ(Next(), b);
  EXPECT_EQ(Next(), c);
}

TEST_F(StreamBackendTest, PeerClosingIsReportedAndSendFailsAfterwards) {
  peer.Reset();
  auto why = inbox.WaitForFailure();
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("closed"), std::string::npos) << *why;
  EXPECT_NE(why->find("test-socketpair"), std::string::npos) << *why;
  EXPECT_FALSE(backend->Send(Frame(60, 0)));
}

TEST_F(StreamBackendTest, StopIsIdempotentAndSendFailsAfterwards) {
  backend->Stop();
  backend->Stop();
  EXPECT_FALSE(backend->Send(Frame(60, 0)));
}

TEST_F(StreamBackendTest, AnAbsurdLengthIsReportedAsACorruptStream) {
  PeerWrite({0x7f, 0xff, 0xff, 0xff});
  auto why = inbox.WaitForFailure();
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("announced a frame"), std::string::npos) << *why;
}

TEST_F(StreamBackendTest, APeerThatDoesNotReadCostsDropsNotABlockedSender) {
  Bytes frame = Frame(1500, 0);
  int refused = 0;
  for (int i = 0; i < 4000; ++i) refused += backend->Send(frame) ? 0 : 1;
  EXPECT_GT(refused, 0);
}

class StreamBackendPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/tr-net-test-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir_template));
    dir = dir_template;
    path = dir + "/net.sock";
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string dir, path;
};

TEST_F(StreamBackendPathTest, ConnectsToAListeningSocket) {
  ScopedFd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener.get(), 1), 0);
  auto backend = StreamBackend::Connect(path);
  FrameInbox inbox;
  backend->Start([&](std::span<const uint8_t> f) { inbox.Add(f); }, [&](const std::string& why) { inbox.Fail(why); });
  ScopedFd peer(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(peer.valid());
  Bytes frame = Frame(42, 9);
  Bytes framed = Framed(frame);
  ASSERT_EQ(write(peer.get(), framed.data(), framed.size()), static_cast<ssize_t>(framed.size()));
  EXPECT_EQ(inbox.WaitFor([](const Bytes&) { return true; }), frame);
  ASSERT_TRUE(backend->Send(frame));
  EXPECT_EQ(ReadExactly(peer.get(), framed.size()), framed);
}

TEST_F(StreamBackendPathTest, NobodyListeningIsAnErrorNamingThePath) {
  try {
    StreamBackend::Connect(path);
    FAIL() << "connected to nothing";
  } catch (const VmmError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(StreamBackend::Connect(std::string(200, 'x')), VmmError);
}

}  // namespace
}  // namespace tinyrange::virtio
