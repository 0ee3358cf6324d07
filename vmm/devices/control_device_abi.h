// The tinyrange control device: a few 32-bit I/O-port registers through
// which software in the guest talks to the VMM without any driver.
//
// This header is shared by the VMM and by guest code (guest-init and the
// freestanding test guests), so it contains constants only.
//
//   port kControlExitStatusPort (write, 32 bit): the guest's final exit
//     status. The VMM records it and ends the VM at once; `tr vm` exits with
//     it. Guest software should sync its filesystems first.
//   port kControlBootMarkPort (write, 32 bit): a progress marker. The VMM
//     timestamps each write (relative to its own start) for benchmarks.
//   port kControlMagicPort (read, 32 bit): reads kControlMagic, so a guest
//     can check it is running under tinyrange before relying on the rest.
//
// From Linux user space the ports are reached with ioperm(2) (the kernel
// needs CONFIG_X86_IOPL_IOPERM) and outl.
#pragma once

#include <cstdint>

namespace tinyrange::control {

inline constexpr uint16_t kControlPortBase = 0x5f0;
inline constexpr uint16_t kControlExitStatusPort = kControlPortBase + 0;
inline constexpr uint16_t kControlBootMarkPort = kControlPortBase + 4;
inline constexpr uint16_t kControlMagicPort = kControlPortBase + 8;
inline constexpr uint16_t kControlPortCount = 12;
inline constexpr uint32_t kControlMagic = 0x54524e47;  // "TRNG"

// Boot markers written to kControlBootMarkPort.
inline constexpr uint32_t kBootMarkInitStarted = 1;     // guest-init's first instruction
inline constexpr uint32_t kBootMarkCommandStarted = 2;  // just before exec of the command
inline constexpr uint32_t kBootMarkArchivesUnpacked = 3;  // the new root holds every archive
inline constexpr uint32_t kBootMarkScriptsDone = 4;       // the install steps ran (or were not needed)

// Exit statuses that guest-init uses for its own failures, as shells do.
inline constexpr uint32_t kExitInstallFailure = 124; // unpacking or an install script failed
inline constexpr uint32_t kExitInitFailure = 125;   // guest-init itself failed
inline constexpr uint32_t kExitNotExecutable = 126; // command found but not runnable
inline constexpr uint32_t kExitNotFound = 127;      // command not found

}  // namespace tinyrange::control
