// The input port against a driver that plays the Linux virtio_console
// driver's multiport handshake step by step.
#include "vmm/virtio/input_port.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "vmm/virtio/test_driver.h"
#include "vmm/virtio/virtio_mmio.h"

namespace tinyrange::virtio {
namespace {

using testing::TestDriver;
using Part = TestDriver::Part;
using Port = VirtioInputPort;

std::vector<uint8_t> Control(uint32_t id, uint16_t event, uint16_t value) {
  return {static_cast<uint8_t>(id),     static_cast<uint8_t>(id >> 8),    static_cast<uint8_t>(id >> 16),
          static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(event),    static_cast<uint8_t>(event >> 8),
          static_cast<uint8_t>(value),  static_cast<uint8_t>(value >> 8)};
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class InputPortTest : public ::testing::Test {
 protected:
  InputPortTest() {
    auto p = std::make_unique<Port>(&memory, "tinyrange.stdin");
    port = p.get();
    transport = std::make_unique<VirtioMmioTransport>(std::move(p), &memory, nullptr);
    driver = std::make_unique<TestDriver>(transport.get(), &memory, 4);
  }

  // The driver's probe: control buffers posted, DEVICE_READY sent.
  void Probe() {
    ASSERT_TRUE(driver->Start());
    for (int i = 0; i < 8; ++i) driver->Post(Port::kControlReceiveQueue, {{std::vector<uint8_t>(128), true}});
    Send(Control(0xffffffff, Port::kDeviceReady, 1));
  }
  // add_port: receive buffers posted, PORT_READY sent.
  void AddPort(size_t buffers, size_t size) {
    for (size_t i = 0; i < buffers; ++i) driver->Post(Port::kPortReceiveQueue, {{std::vector<uint8_t>(size), true}});
    Send(Control(0, Port::kPortReady, 1));
  }
  void Send(std::vector<uint8_t> message) {
    std::vector<Part> parts = {{std::move(message), false}};
    driver->Submit(Port::kControlTransmitQueue, parts);
  }
  std::vector<uint8_t> ControlMessage(uint16_t entry) {
    auto bytes = driver->Used(Port::kControlReceiveQueue, entry);
    EXPECT_TRUE(bytes) << "no control message " << entry;
    return bytes.value_or(std::vector<uint8_t>{});
  }
  std::string Received(uint16_t entry) {
    auto bytes = driver->Used(Port::kPortReceiveQueue, entry);
    return bytes ? std::string(bytes->begin(), bytes->end()) : "<none>";
  }

  GuestMemory memory = GuestMemory::CreateX86(16 << 20);
  Port* port;
  std::unique_ptr<VirtioMmioTransport> transport;
  std::unique_ptr<TestDriver> driver;
};

TEST_F(InputPortTest, OffersMultiportWithOnePort) {
  EXPECT_TRUE(driver->Features() & Port::kFeatureMultiport);
  uint8_t config[12];
  transport->Read(0x100, std::span<uint8_t>(config, 4));
  transport->Read(0x104, std::span<uint8_t>(config + 4, 4));
  EXPECT_EQ(config[4], 1);  // max_nr_ports
}

TEST_F(InputPortTest, HandshakeThenInputThenEndOfFile) {
  Probe();
  EXPECT_EQ(ControlMessage(0), Control(0, Port::kDeviceAdd, 0));
  AddPort(2, 16);
  // Connected first, then the name, so a guest that sees the name knows.
  EXPECT_EQ(ControlMessage(1), Control(0, Port::kPortOpen, 1));
  std::vector<uint8_t> name = Control(0, Port::kPortName, 0);
  name.insert(name.end(), {'t', 'i', 'n', 'y', 'r', 'a', 'n', 'g', 'e', '.', 's', 't', 'd', 'i', 'n'});
  EXPECT_EQ(ControlMessage(2), name);

  // The driver would drop bytes that come before a program opens the port.
  ASSERT_TRUE(port->EnqueueInput(Bytes("hello")));
  EXPECT_EQ(driver->used_index(Port::kPortReceiveQueue), 0);
  Send(Control(0, Port::kPortOpen, 1));
  EXPECT_EQ(Received(0), "hello");

  port->CloseInput();
  EXPECT_EQ(ControlMessage(3), Control(0, Port::kPortOpen, 0));
}

TEST_F(InputPortTest, EndOfFileWaitsForTheLastByte) {
  Probe();
  AddPort(1, 16);
  Send(Control(0, Port::kPortOpen, 1));
  ASSERT_TRUE(port->EnqueueInput(Bytes("0123456789abcdefXYZ")));
  port->CloseInput();
  EXPECT_EQ(Received(0), "0123456789abcdef");
  EXPECT_EQ(driver->used_index(Port::kControlReceiveQueue), 3);  // no end yet: 3 bytes wait
  driver->Post(Port::kPortReceiveQueue, {{std::vector<uint8_t>(16), true}});
  EXPECT_EQ(Received(1), "XYZ");
  EXPECT_EQ(ControlMessage(3), Control(0, Port::kPortOpen, 0));
}

TEST_F(InputPortTest, InputThatEndedEmptyIsNeverConnected) {
  port->CloseInput();
  Probe();
  AddPort(1, 16);
  EXPECT_EQ(ControlMessage(1), Control(0, Port::kPortOpen, 0));
  EXPECT_EQ(ControlMessage(2)[4], Port::kPortName);
  EXPECT_EQ(driver->used_index(Port::kControlReceiveQueue), 3);  // and said only once
}

TEST_F(InputPortTest, AGuestThatClosesThePortReleasesABlockedWriter) {
  Probe();
  AddPort(1, 16);
  Send(Control(0, Port::kPortOpen, 1));
  std::string big(Port::kInputHighWater * 2, 'x');
  bool result = true;
  std::thread writer([&] { result = port->EnqueueInput(Bytes(big)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Send(Control(0, Port::kPortOpen, 0));
  writer.join();
  EXPECT_FALSE(result);
  EXPECT_FALSE(port->EnqueueInput(Bytes("more")));
}

TEST_F(InputPortTest, ShutdownReleasesABlockedWriter) {
  std::string big(Port::kInputHighWater * 2, 'x');
  bool result = true;
  std::thread writer([&] { result = port->EnqueueInput(Bytes(big)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  port->Shutdown();
  writer.join();
  EXPECT_FALSE(result);
}

TEST_F(InputPortTest, MalformedControlMessagesAreIgnored) {
  Probe();
  Send({1, 2, 3});                        // short
  Send(Control(7, Port::kPortReady, 1));  // a port that does not exist
  Send(Control(0, Port::kPortOpen, 1));   // open before the port is ready
  Send(Control(0, 0xffff, 1));            // unknown event
  EXPECT_EQ(driver->used_index(Port::kControlReceiveQueue), 1);  // only DEVICE_ADD
  ASSERT_TRUE(port->EnqueueInput(Bytes("held")));
  AddPort(1, 16);
  EXPECT_EQ(driver->used_index(Port::kPortReceiveQueue), 0);  // still not open
  Send(Control(0, Port::kPortOpen, 1));
  EXPECT_EQ(Received(0), "held");
}

TEST_F(InputPortTest, GuestWritesAreTakenAndDropped) {
  Probe();
  AddPort(1, 16);
  std::vector<Part> parts = {{{'o', 'u', 't'}, false}};
  EXPECT_EQ(driver->Submit(Port::kPortTransmitQueue, parts), 0u);
  EXPECT_EQ(driver->used_index(Port::kPortTransmitQueue), 1);
}

}  // namespace
}  // namespace tinyrange::virtio
