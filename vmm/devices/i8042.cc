#include "vmm/devices/i8042.h"

namespace tinyrange {

namespace {

constexpr uint64_t kDataOffset = 0;
constexpr uint64_t kCommandOffset = 4;

constexpr uint8_t kStatusOutputFull = 0x01;
constexpr uint8_t kStatusSystemFlag = 0x04;
constexpr uint8_t kControlKeyboardInterrupt = 0x01;

// Controller commands.
constexpr uint8_t kReadControl = 0x20;
constexpr uint8_t kWriteControl = 0x60;
constexpr uint8_t kSelfTest = 0xaa;
constexpr uint8_t kKeyboardInterfaceTest = 0xab;
constexpr uint8_t kReadOutputPort = 0xd0;
constexpr uint8_t kWriteOutputPort = 0xd1;
constexpr uint8_t kPulseResetLine = 0xfe;

// Keyboard commands and replies.
constexpr uint8_t kKeyboardGetId = 0xf2;
constexpr uint8_t kKeyboardReset = 0xff;
constexpr uint8_t kKeyboardAck = 0xfa;
constexpr uint8_t kKeyboardSelfTestPassed = 0xaa;

}  // namespace

void I8042::Read(uint64_t offset, std::span<uint8_t> data) {
  std::lock_guard lock(mu_);
  uint8_t value = 0;
  if (offset == kDataOffset) {
    if (!output_.empty()) {
      value = output_.front();
      output_.pop_front();
      UpdateInterrupt();
    }
  } else if (offset == kCommandOffset) {
    // Input buffer never full: the guest's reset path waits for that bit.
    value = kStatusSystemFlag | (output_.empty() ? 0 : kStatusOutputFull);
  } else {
    value = 0xff;
  }
  StoreLittleEndian(data, value);
}

void I8042::Write(uint64_t offset, std::span<const uint8_t> data) {
  if (data.empty()) return;
  bool reset = false;
  {
    std::lock_guard lock(mu_);
    if (offset == kCommandOffset) {
      if (data[0] == kPulseResetLine) {
        reset = true;
      } else {
        Command(data[0]);
      }
    } else if (offset == kDataOffset) {
      if (pending_command_ == kWriteOutputPort && !(data[0] & 0x01)) {
        reset = true;  // output port bit 0 low holds the CPU in reset
      }
      Data(data[0]);
    }
  }
  if (reset && on_reset_) on_reset_();
}

void I8042::Command(uint8_t command) {
  switch (command) {
    case kReadControl:
      Respond({control_});
      break;
    case kWriteControl:
    case kWriteOutputPort:
      pending_command_ = command;
      break;
    case kSelfTest:
      Respond({0x55});
      break;
    case kKeyboardInterfaceTest:
      Respond({0x00});
      break;
    case kReadOutputPort:
      Respond({0x01});  // reset line inactive
      break;
    default:
      // Enable/disable port commands and the rest need no reply.
      break;
  }
}

void I8042::Data(uint8_t value) {
  if (pending_command_ == kWriteControl) {
    control_ = value;
    pending_command_ = -1;
    UpdateInterrupt();
    return;
  }
  if (pending_command_ == kWriteOutputPort) {
    pending_command_ = -1;
    return;
  }
  // A byte for the keyboard itself.
  switch (value) {
    case kKeyboardReset:
      Respond({kKeyboardAck, kKeyboardSelfTestPassed});
      break;
    case kKeyboardGetId:
      Respond({kKeyboardAck, 0xab, 0x83});  // MF2 keyboard
      break;
    default:
      Respond({kKeyboardAck});
      break;
  }
}

void I8042::Respond(std::initializer_list<uint8_t> bytes) {
  for (uint8_t b : bytes) output_.push_back(b);
  UpdateInterrupt();
}

void I8042::UpdateInterrupt() {
  bool level = !output_.empty() && (control_ & kControlKeyboardInterrupt);
  if (level != irq_level_) {
    irq_level_ = level;
    if (irq_) irq_->SetLevel(level);
  }
}

}  // namespace tinyrange
