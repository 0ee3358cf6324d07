// VM boot tests need /dev/kvm. Without it they fail loudly, naming what is
// missing; TR_ALLOW_NO_KVM=1 turns that into a loud skip for machines that
// cannot have KVM at all.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#define TR_REQUIRE_KVM()                                                                              \
  do {                                                                                                \
    int kvm_fd_ = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);                                             \
    int kvm_errno_ = errno;                                                                           \
    /* A file that is not the KVM device (an old test's leftover) fails the API check. */            \
    if (kvm_fd_ >= 0) {                                                                               \
      int api_ = ::ioctl(kvm_fd_, KVM_GET_API_VERSION, 0);                                            \
      kvm_errno_ = api_ < 0 ? errno : 0;                                                              \
      ::close(kvm_fd_);                                                                               \
      if (api_ == KVM_API_VERSION) break;                                                             \
    }                                                                                                 \
    std::string why_ = std::string("/dev/kvm is not usable: ") +                                      \
                       (kvm_errno_ ? std::strerror(kvm_errno_) : "not the KVM device") +              \
                       ". This VM boot test needs KVM.";                                              \
    const char* allow_ = std::getenv("TR_ALLOW_NO_KVM");                                              \
    if (allow_ && std::string(allow_) == "1") GTEST_SKIP() << "SKIPPED LOUDLY: " << why_;             \
    FAIL() << why_ << " Set TR_ALLOW_NO_KVM=1 to skip instead on a machine without KVM.";             \
  } while (0)
