// The error every part of builder/install/ throws: the message names the
// package (or disk) and the file concerned, so a failed install can be
// traced to one input without a debugger.
#pragma once

#include <stdexcept>

namespace tinyrange::install {

class InstallError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tinyrange::install
