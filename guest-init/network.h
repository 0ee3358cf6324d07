// Minimal network setup that every program expects: a working loopback.
#pragma once

namespace tinyrange {

// Sets the `lo` interface up. Returns 0 or an errno value (a kernel without
// networking has no lo, which is not an error worth stopping for).
int BringUpLoopback();

}  // namespace tinyrange
