#include "vmm/devices/serial_8250.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace tinyrange {
namespace {

class LevelRecorder : public IrqLine {
 public:
  void SetLevel(bool high) override {
    level = high;
    ++changes;
  }
  bool level = false;
  int changes = 0;
};

class StringSink : public ByteSink {
 public:
  void Write(std::span<const uint8_t> bytes) override { text.append(bytes.begin(), bytes.end()); }
  std::string text;
};

class SerialTest : public ::testing::Test {
 protected:
  uint8_t In(uint64_t reg) {
    uint8_t v = 0;
    serial.Read(reg, std::span<uint8_t>(&v, 1));
    return v;
  }
  void Out(uint64_t reg, uint8_t v) { serial.Write(reg, std::span<const uint8_t>(&v, 1)); }
  void Input(const std::string& s) {
    serial.EnqueueInput(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }

  LevelRecorder irq;
  StringSink out;
  Serial8250 serial{&irq, &out};
};

TEST_F(SerialTest, TransmitsBytesInOrder) {
  for (char c : std::string("hello\n")) Out(0, static_cast<uint8_t>(c));
  EXPECT_EQ(out.text, "hello\n");
  EXPECT_EQ(In(5) & 0x60, 0x60);  // THRE and TEMT: always ready
}

TEST_F(SerialTest, ReceivesQueuedInput) {
  Out(4, 0x0b);  // DTR, RTS, OUT2: a program has the port open
  EXPECT_EQ(In(5) & 0x01, 0);
  Input("ab");
  EXPECT_EQ(In(5) & 0x01, 1);
  EXPECT_EQ(In(0), 'a');
  EXPECT_EQ(In(0), 'b');
  EXPECT_EQ(In(5) & 0x01, 0);
}

TEST_F(SerialTest, DivisorLatchIsSeparateFromData) {
  Out(3, 0x80);  // DLAB
  Out(0, 0x01);
  Out(1, 0x00);
  EXPECT_EQ(In(0), 0x01);
  Out(3, 0x03);
  EXPECT_EQ(out.text, "");  // the divisor write was not output
  Out(7, 0x5a);
  EXPECT_EQ(In(7), 0x5a);  // scratch register
}

TEST_F(SerialTest, ReceiveInterruptFollowsData) {
  Out(4, 0x0b);
  Out(1, 0x01);  // ERBFI
  EXPECT_FALSE(irq.level);
  Input("x");
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(In(2) & 0x0f, 0x04);
  In(0);
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(In(2) & 0x0f, 0x01);
}

TEST_F(SerialTest, ThrEmptyInterruptIsClearedByReadingIir) {
  Out(1, 0x02);  // ETBEI on an empty transmitter raises THRE at once
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(In(2) & 0x0f, 0x02);
  EXPECT_FALSE(irq.level);  // reading IIR acknowledged it
  Out(0, 'z');
  EXPECT_TRUE(irq.level);   // the next byte left, THRE again
}

TEST_F(SerialTest, InterruptGatedByOut2) {
  Out(4, 0x00);  // OUT2 off
  Out(1, 0x01);
  Input("x");
  EXPECT_FALSE(irq.level);
  Out(4, 0x0a);  // OUT2 and RTS
  EXPECT_TRUE(irq.level);
}

TEST_F(SerialTest, LoopbackModeForLinuxProbe) {
  Out(4, 0x1a);  // loopback with RTS and OUT2
  EXPECT_EQ(In(6) & 0xf0, 0x90);
  Out(0, 'q');
  EXPECT_EQ(out.text, "");
  EXPECT_EQ(In(0), 'q');
  Out(4, 0x08);
  EXPECT_EQ(In(6), 0xb0);
}

TEST_F(SerialTest, FifoControlClearsLoopedBackBytes) {
  Out(4, 0x1a);  // loopback
  Out(0, 'a');
  Out(2, 0x03);
  EXPECT_EQ(In(5) & 0x01, 0);
  EXPECT_EQ(In(2) & 0xc0, 0xc0);  // FIFO enabled bits
}

// Linux's probe and start-up clear the FIFOs and read the data register to
// reset the UART before a program opens the port. Host input queued before
// then (a pipe into `tr vm`, read at once) must survive that and arrive
// whole once the port is open and RTS is up.
TEST_F(SerialTest, HostInputWaitsForRtsAndSurvivesTheDriversReset) {
  Out(1, 0x01);  // ERBFI
  Input("typed input");
  EXPECT_EQ(In(5) & 0x01, 0);  // on the line, not in the receiver
  EXPECT_FALSE(irq.level);
  Out(4, 0x1f);  // the probe's loopback test
  EXPECT_EQ(In(5) & 0x01, 0);
  Out(4, 0x09);  // DTR and OUT2 (the console), no RTS
  Out(2, 0x07);  // clear both FIFOs
  EXPECT_EQ(In(0), 0);  // start-up's reset read finds nothing
  Out(4, 0x0b);  // the port is opened: RTS
  EXPECT_TRUE(irq.level);
  std::string received;
  while (In(5) & 0x01) received += static_cast<char>(In(0));
  EXPECT_EQ(received, "typed input");
  EXPECT_FALSE(irq.level);
}

TEST_F(SerialTest, InputBlocksAtHighWaterUntilGuestReads) {
  Out(4, 0x0b);
  std::string big(Serial8250::kInputHighWater + 100, 'k');
  std::thread producer([&] { Input(big); });
  // Drain as the guest would; every byte must arrive, none dropped.
  size_t received = 0;
  while (received < big.size()) {
    if (In(5) & 0x01) {
      EXPECT_EQ(In(0), 'k');
      ++received;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
  EXPECT_EQ(received, big.size());
}

TEST_F(SerialTest, ShutdownReleasesBlockedProducer) {
  std::string big(Serial8250::kInputHighWater * 2, 'k');
  bool result = true;
  std::thread producer([&] {
    result = serial.EnqueueInput(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(big.data()), big.size()));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  serial.Shutdown();
  producer.join();
  EXPECT_FALSE(result);
}

TEST_F(SerialTest, OutOfRangeOffsetsAreHarmless) {
  uint8_t v = 0;
  serial.Read(100, std::span<uint8_t>(&v, 1));
  EXPECT_EQ(v, 0xff);
  Out(100, 1);
  EXPECT_EQ(out.text, "");
}

}  // namespace
}  // namespace tinyrange
