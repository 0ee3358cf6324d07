#include "vmm/virtio/console.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "vmm/virtio/test_driver.h"

namespace tinyrange::virtio {
namespace {

using testing::TestDriver;
using Part = TestDriver::Part;

class StringSink : public ByteSink {
 public:
  void Write(std::span<const uint8_t> bytes) override { text.append(bytes.begin(), bytes.end()); }
  std::string text;
};

class VirtioConsoleTest : public ::testing::Test {
 protected:
  VirtioConsoleTest() {
    auto c = std::make_unique<VirtioConsole>(&memory, &sink);
    console = c.get();
    transport = std::make_unique<VirtioMmioTransport>(std::move(c), &memory, nullptr);
  }
  GuestMemory memory = GuestMemory::CreateX86(8 << 20);
  StringSink sink;
  VirtioConsole* console;
  std::unique_ptr<VirtioMmioTransport> transport;
};

// The test driver drives queue 0 only, the receive queue: input reaches a
// posted buffer, and input that arrives first waits for one.
TEST_F(VirtioConsoleTest, InputFillsReceiveBuffers) {
  TestDriver driver(transport.get(), &memory);
  ASSERT_TRUE(driver.Start());
  std::string input = "hello";
  ASSERT_TRUE(console->EnqueueInput(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(input.data()), 5)));
  std::vector<Part> buffer = {{std::vector<uint8_t>(16, 0), true}};
  EXPECT_EQ(driver.Submit(buffer), 5u);  // the kick delivers what was waiting
  EXPECT_EQ(std::string(buffer[0].bytes.begin(), buffer[0].bytes.begin() + 5), "hello");
}

TEST_F(VirtioConsoleTest, ShutdownReleasesABlockedWriter) {
  std::string big(VirtioConsole::kInputHighWater * 2, 'x');
  bool result = true;
  std::thread writer([&] {
    result = console->EnqueueInput(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(big.data()), big.size()));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  console->Shutdown();
  writer.join();
  EXPECT_FALSE(result);
}

TEST_F(VirtioConsoleTest, ConfigIsASinglePort) {
  uint8_t config[8];
  transport->Read(0x100, config);
  EXPECT_EQ(config[0], 80);
  EXPECT_EQ(config[2], 25);
  EXPECT_EQ(config[4], 1);
}

}  // namespace
}  // namespace tinyrange::virtio
