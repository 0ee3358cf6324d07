// The host side of the guest console: output to a file descriptor, input
// pumped from one, and the terminal mode around both.
//
// When stdin is a terminal it is put in raw mode so every key (Ctrl-C
// included) goes to the guest; Ctrl-A then 'x' ends the VM from the host.
// When stdin is a pipe or file, bytes pass through untouched, and end of
// input stops the pump and is passed on (the guest's input port then reads
// end of file); the guest keeps running and nothing hangs.
#pragma once

#include <termios.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>

#include "vmm/devices/byte_sink.h"
#include "vmm/scoped_fd.h"

namespace tinyrange {

// Writes everything it is given to a file descriptor, in order.
class FdSink : public ByteSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  void Write(std::span<const uint8_t> bytes) override;

 private:
  int fd_;
  std::mutex mu_;
};

// Puts a terminal in raw mode for its lifetime (no-op if `fd` is not a
// terminal) and restores the previous mode afterwards.
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;
  bool active() const { return active_; }

 private:
  int fd_;
  bool active_ = false;
  termios saved_{};
};

class ConsoleInputPump {
 public:
  // `deliver` hands bytes to the guest and returns false once the VM has
  // stopped. `on_escape` runs when the escape sequence is typed (only
  // recognised when `interactive`); `on_end`, if set, when `fd` reaches
  // end of input (or fails).
  ConsoleInputPump(int fd, bool interactive, std::function<bool(std::span<const uint8_t>)> deliver,
                   std::function<void()> on_escape, std::function<void()> on_end = {});
  ~ConsoleInputPump();  // stops and joins the thread
  ConsoleInputPump(const ConsoleInputPump&) = delete;
  ConsoleInputPump& operator=(const ConsoleInputPump&) = delete;

 private:
  void Loop();

  int fd_;
  bool interactive_;
  std::function<bool(std::span<const uint8_t>)> deliver_;
  std::function<void()> on_escape_;
  std::function<void()> on_end_;
  ScopedFd wake_read_;
  ScopedFd wake_write_;
  std::thread thread_;
};

// The escape prefix (Ctrl-A) and the key that ends the VM after it.
inline constexpr uint8_t kConsoleEscapePrefix = 0x01;
inline constexpr uint8_t kConsoleEscapeQuit = 'x';

}  // namespace tinyrange
