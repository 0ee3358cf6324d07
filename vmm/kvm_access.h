// Whether this process can use KVM, and if not, a paragraph for the user
// saying what is missing and what to do about it.
#pragma once

#include <string>

namespace tinyrange {

// Empty if /dev/kvm can be opened for reading and writing.
std::string KvmAccessProblem();

}  // namespace tinyrange
