// /dev/console is an alias, not a proper controlling terminal: opening it
// never makes it one, and shells on it report "can't access tty; job
// control turned off", so Ctrl-C would not reach the command. guest-init
// therefore gives the command the real device behind /dev/console, named
// in /sys/class/tty/console/active.
#pragma once

#include <cstddef>
#include <string_view>

namespace tinyrange {

inline constexpr const char* kActiveConsoleFile = "/sys/class/tty/console/active";

// Given the contents of kActiveConsoleFile ("tty0 ttyS0\n": the consoles in
// registration order, the last one being where /dev/console writes), writes
// "/dev/<last>" into `out`. Returns false if there is no usable name (empty,
// or a name that is not a plain device file name).
bool DeviceFromActiveConsoles(std::string_view active, char* out, size_t out_size);

}  // namespace tinyrange
