// Where a device's output bytes go (the console's stdout, a log, a test
// buffer). Called from vCPU threads; implementations synchronise.
#pragma once

#include <cstdint>
#include <span>

namespace tinyrange {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void Write(std::span<const uint8_t> bytes) = 0;
};

}  // namespace tinyrange
