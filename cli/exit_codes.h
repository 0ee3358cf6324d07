// Exit statuses of `tr vm` (documented in docs/vm.md).
//
// When the guest reports a status through the control device, that status
// is ours (0-255). The outcomes the guest did not report use the top of the
// range, which ordinary programs rarely use, so scripts can tell them apart.
#pragma once

namespace tinyrange::cli {

inline constexpr int kExitUsage = 2;            // bad command line, nothing started
inline constexpr int kExitVmmError = 250;       // the VMM failed: KVM, kernel image, plan, memory
inline constexpr int kExitNoStatus = 251;       // guest-init was running but the VM ended without a status
inline constexpr int kExitGuestCrash = 252;     // triple fault, failed entry, KVM internal error
inline constexpr int kExitTimeout = 253;        // --timeout expired
inline constexpr int kExitInterrupted = 254;    // a signal or the console escape stopped the VM

}  // namespace tinyrange::cli
