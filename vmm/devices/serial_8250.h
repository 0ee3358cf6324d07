// A 16550A-compatible UART (the PC's COM1), enough for Linux's 8250 driver
// and for polled use by firmware-less guests.
//
// Output is passed straight to a ByteSink. Input comes from the host
// through EnqueueInput, which blocks while the guest has not drained what
// was queued before: a host pipe is read only as fast as the guest reads,
// so nothing is dropped and memory stays bounded.
//
// The host is a peer under hardware flow control: its bytes reach the
// receiver only while the guest asserts RTS (MCR bit 1), as a driver does
// once a program opens the port (Linux raises DTR and RTS on open). Until
// then they wait on the "line", where the driver's probe and start-up —
// which clear the FIFOs and read the data register to reset the UART —
// cannot lose them; clearing the receive FIFO drops only looped-back bytes.
// So input piped in before the guest has booted reaches its command whole.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>

#include "vmm/devices/bus.h"
#include "vmm/devices/byte_sink.h"
#include "vmm/devices/irq_line.h"

namespace tinyrange {

class Serial8250 : public BusDevice {
 public:
  static constexpr uint64_t kRegisterCount = 8;
  static constexpr size_t kInputHighWater = 4096;

  Serial8250(IrqLine* irq, ByteSink* output) : irq_(irq), output_(output) {}

  void Read(uint64_t offset, std::span<uint8_t> data) override;
  void Write(uint64_t offset, std::span<const uint8_t> data) override;

  // Queues host input for the guest. Blocks while the queue is above the
  // high-water mark; returns false once Shutdown() was called.
  bool EnqueueInput(std::span<const uint8_t> bytes);
  // Wakes any blocked EnqueueInput for good (the VM is ending).
  void Shutdown();

 private:
  uint8_t ReadRegister(uint64_t offset);
  void WriteRegister(uint64_t offset, uint8_t value);
  uint8_t InterruptIdentification() const;
  void UpdateInterrupt();
  // The bytes the receiver holds now: looped-back ones in loopback mode,
  // else the host's while RTS is up; null when nothing can be received.
  std::deque<uint8_t>* Receiving();
  const std::deque<uint8_t>* Receiving() const;
  bool DataReady() const;

  IrqLine* irq_;
  ByteSink* output_;

  std::mutex mu_;
  std::condition_variable input_drained_;
  // Host bytes, on the line until RTS lets them in.
  std::deque<uint8_t> input_;
  // Bytes the guest sent itself in loopback mode.
  std::deque<uint8_t> looped_;
  bool shutdown_ = false;

  uint8_t ier_ = 0;
  uint8_t lcr_ = 0x03;  // 8N1
  uint8_t mcr_ = 0x08;  // OUT2, which gates the interrupt on a PC
  uint8_t scr_ = 0;
  uint8_t dll_ = 0x0c;  // 9600 baud until the guest says otherwise
  uint8_t dlm_ = 0;
  bool fifo_enabled_ = false;
  // Set when the transmitter becomes empty with ETBEI on; cleared by reading
  // IIR while it reports THRE, or by the next THR write (16550 behaviour
  // that Linux's driver relies on).
  bool thr_interrupt_pending_ = false;
  bool irq_level_ = false;
};

}  // namespace tinyrange
