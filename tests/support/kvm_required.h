// VM boot tests need /dev/kvm. Without it they fail loudly, naming what is
// missing; TR_ALLOW_NO_KVM=1 turns that into a loud skip for machines that
// cannot have KVM at all.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#define TR_REQUIRE_KVM()                                                                              \
  do {                                                                                                \
    int kvm_fd_ = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);                                             \
    if (kvm_fd_ >= 0) {                                                                               \
      ::close(kvm_fd_);                                                                               \
      break;                                                                                          \
    }                                                                                                 \
    std::string why_ = std::string("/dev/kvm is not usable: ") + std::strerror(errno) +              \
                       ". This VM boot test needs KVM.";                                              \
    const char* allow_ = std::getenv("TR_ALLOW_NO_KVM");                                              \
    if (allow_ && std::string(allow_) == "1") GTEST_SKIP() << "SKIPPED LOUDLY: " << why_;             \
    FAIL() << why_ << " Set TR_ALLOW_NO_KVM=1 to skip instead on a machine without KVM.";             \
  } while (0)
