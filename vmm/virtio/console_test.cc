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

// With the host terminal's size: F_SIZE, the size in the config, and a
// configuration change (new generation, interrupt bit 1) on a resize.
TEST(VirtioConsoleSizeTest, ResizesReachTheDriver) {
  GuestMemory memory = GuestMemory::CreateX86(8 << 20);
  StringSink sink;
  auto c = std::make_unique<VirtioConsole>(&memory, &sink, VirtioConsole::Size{132, 43});
  VirtioConsole* console = c.get();
  VirtioMmioTransport transport(std::move(c), &memory, nullptr);
  TestDriver driver(&transport, &memory, 2);
  EXPECT_TRUE(driver.Features() & VirtioConsole::kFeatureSize);
  ASSERT_TRUE(driver.Start());
  auto config = [&] {
    uint8_t bytes[4];
    transport.Read(0x100, bytes);
    return std::make_pair(bytes[0] | bytes[1] << 8, bytes[2] | bytes[3] << 8);
  };
  EXPECT_EQ(config(), std::make_pair(132, 43));
  uint32_t generation = driver.In(0x0fc);
  EXPECT_EQ(driver.In(0x060) & 2u, 0u);
  console->SetSize(200, 50);
  EXPECT_EQ(config(), std::make_pair(200, 50));
  EXPECT_NE(driver.In(0x0fc), generation);
  EXPECT_EQ(driver.In(0x060) & 2u, 2u);
  driver.Out(0x064, 2);  // acknowledged
  console->SetSize(200, 50);  // no change, no interrupt
  EXPECT_EQ(driver.In(0x060) & 2u, 0u);
}

TEST(VirtioConsoleSizeTest, WithoutASizeThereIsNoFeatureAndNoResize) {
  GuestMemory memory = GuestMemory::CreateX86(8 << 20);
  StringSink sink;
  auto c = std::make_unique<VirtioConsole>(&memory, &sink);
  VirtioConsole* console = c.get();
  VirtioMmioTransport transport(std::move(c), &memory, nullptr);
  TestDriver driver(&transport, &memory, 2);
  EXPECT_FALSE(driver.Features() & VirtioConsole::kFeatureSize);
  ASSERT_TRUE(driver.Start());
  console->SetSize(100, 30);
  EXPECT_EQ(driver.In(0x060) & 2u, 0u);
}

}  // namespace
}  // namespace tinyrange::virtio
