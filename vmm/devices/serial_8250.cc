#include "vmm/devices/serial_8250.h"

#include <utility>

namespace tinyrange {

namespace {

// Register offsets.
constexpr uint64_t kData = 0;  // RBR / THR, or DLL with DLAB
constexpr uint64_t kIer = 1;   // or DLM with DLAB
constexpr uint64_t kIirFcr = 2;
constexpr uint64_t kLcr = 3;
constexpr uint64_t kMcr = 4;
constexpr uint64_t kLsr = 5;
constexpr uint64_t kMsr = 6;
constexpr uint64_t kScr = 7;

constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kIerRxData = 0x01;
constexpr uint8_t kIerThrEmpty = 0x02;
constexpr uint8_t kIirNone = 0x01;
constexpr uint8_t kIirThrEmpty = 0x02;
constexpr uint8_t kIirRxData = 0x04;
constexpr uint8_t kIirFifoEnabled = 0xc0;
constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrThrEmpty = 0x20;
constexpr uint8_t kLsrTransmitterEmpty = 0x40;
constexpr uint8_t kMcrRts = 0x02;
constexpr uint8_t kMcrLoopback = 0x10;
constexpr uint8_t kMcrOut2 = 0x08;
// Modem status with a peer attached: DCD, DSR and CTS.
constexpr uint8_t kMsrConnected = 0xb0;

}  // namespace

void Serial8250::Read(uint64_t offset, std::span<uint8_t> data) {
  // The UART has byte registers; wider accesses read the first one and pad.
  std::lock_guard lock(mu_);
  StoreLittleEndian(data, offset < kRegisterCount ? ReadRegister(offset) : 0xff);
}

void Serial8250::Write(uint64_t offset, std::span<const uint8_t> data) {
  if (data.empty() || offset >= kRegisterCount) return;
  std::unique_lock lock(mu_);
  if (offset == kData && !(lcr_ & kLcrDlab)) {
    uint8_t byte = data[0];
    thr_interrupt_pending_ = false;
    if (mcr_ & kMcrLoopback) {
      looped_.push_back(byte);
    } else {
      // Output is written outside the lock's critical work but inside the
      // lock, so bytes from several vCPUs keep their order.
      output_->Write(std::span<const uint8_t>(&byte, 1));
    }
    // The byte left the transmitter at once.
    if (ier_ & kIerThrEmpty) thr_interrupt_pending_ = true;
    UpdateInterrupt();
    return;
  }
  WriteRegister(offset, data[0]);
}

const std::deque<uint8_t>* Serial8250::Receiving() const {
  if (mcr_ & kMcrLoopback) return &looped_;
  return (mcr_ & kMcrRts) ? &input_ : nullptr;
}

std::deque<uint8_t>* Serial8250::Receiving() {
  return const_cast<std::deque<uint8_t>*>(std::as_const(*this).Receiving());
}

bool Serial8250::DataReady() const {
  const std::deque<uint8_t>* queue = Receiving();
  return queue && !queue->empty();
}

uint8_t Serial8250::InterruptIdentification() const {
  uint8_t fifo = fifo_enabled_ ? kIirFifoEnabled : 0;
  if ((ier_ & kIerRxData) && DataReady()) return fifo | kIirRxData;
  if ((ier_ & kIerThrEmpty) && thr_interrupt_pending_) return fifo | kIirThrEmpty;
  return fifo | kIirNone;
}

uint8_t Serial8250::ReadRegister(uint64_t offset) {
  switch (offset) {
    case kData: {
      if (lcr_ & kLcrDlab) return dll_;
      if (!DataReady()) return 0;
      std::deque<uint8_t>* queue = Receiving();
      uint8_t byte = queue->front();
      queue->pop_front();
      if (queue == &input_ && input_.size() < kInputHighWater / 2) input_drained_.notify_all();
      UpdateInterrupt();
      return byte;
    }
    case kIer:
      return (lcr_ & kLcrDlab) ? dlm_ : ier_;
    case kIirFcr: {
      uint8_t iir = InterruptIdentification();
      if ((iir & 0x0f) == kIirThrEmpty) {
        thr_interrupt_pending_ = false;
        UpdateInterrupt();
      }
      return iir;
    }
    case kLcr:
      return lcr_;
    case kMcr:
      return mcr_;
    case kLsr: {
      uint8_t lsr = kLsrThrEmpty | kLsrTransmitterEmpty;
      if (DataReady()) lsr |= kLsrDataReady;
      return lsr;
    }
    case kMsr: {
      if (!(mcr_ & kMcrLoopback)) return kMsrConnected;
      // In loopback the modem outputs feed the modem inputs: RTS->CTS,
      // DTR->DSR, OUT1->RI, OUT2->DCD. Linux's probe checks this.
      uint8_t msr = 0;
      if (mcr_ & 0x02) msr |= 0x10;
      if (mcr_ & 0x01) msr |= 0x20;
      if (mcr_ & 0x04) msr |= 0x40;
      if (mcr_ & 0x08) msr |= 0x80;
      return msr;
    }
    case kScr:
      return scr_;
  }
  return 0xff;
}

void Serial8250::WriteRegister(uint64_t offset, uint8_t value) {
  switch (offset) {
    case kData:  // only reached with DLAB set
      dll_ = value;
      break;
    case kIer:
      if (lcr_ & kLcrDlab) {
        dlm_ = value;
      } else {
        bool thr_newly_enabled = !(ier_ & kIerThrEmpty) && (value & kIerThrEmpty);
        ier_ = value & 0x0f;
        // Enabling ETBEI with an empty transmitter raises THRE at once.
        if (thr_newly_enabled) thr_interrupt_pending_ = true;
        UpdateInterrupt();
      }
      break;
    case kIirFcr:
      fifo_enabled_ = value & 0x01;
      // Clearing the receive FIFO drops what the guest looped back; the
      // host's bytes are still on the line (see the header).
      if (value & 0x02) looped_.clear();
      UpdateInterrupt();
      break;
    case kLcr:
      lcr_ = value;
      break;
    case kMcr:
      mcr_ = value & 0x1f;
      UpdateInterrupt();
      break;
    case kScr:
      scr_ = value;
      break;
    default:  // LSR and MSR are read-only
      break;
  }
}

void Serial8250::UpdateInterrupt() {
  bool level = (InterruptIdentification() & kIirNone) == 0 && (mcr_ & kMcrOut2);
  if (level != irq_level_) {
    irq_level_ = level;
    if (irq_) irq_->SetLevel(level);
  }
}

bool Serial8250::EnqueueInput(std::span<const uint8_t> bytes) {
  std::unique_lock lock(mu_);
  for (uint8_t b : bytes) {
    if (input_.size() >= kInputHighWater) {
      // Let the guest know about what is queued before waiting for it to
      // make room, or neither side would move.
      UpdateInterrupt();
      input_drained_.wait(lock, [&] { return shutdown_ || input_.size() < kInputHighWater; });
    }
    if (shutdown_) return false;
    input_.push_back(b);
  }
  UpdateInterrupt();
  return !shutdown_;
}

void Serial8250::Shutdown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  input_drained_.notify_all();
}

}  // namespace tinyrange
