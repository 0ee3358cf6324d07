// Thin C++ wrappers over the KVM ioctl interface: the system (/dev/kvm),
// a VM and its vCPUs. They own file descriptors and mappings and turn
// failures into VmmErrors that say which step failed.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/scoped_fd.h"

namespace tinyrange {

class KvmSystem {
 public:
  // Opens /dev/kvm (or `path`), checks the API version and the
  // capabilities the VMM relies on. Errors explain how to get access.
  static KvmSystem Open(const std::string& path = "/dev/kvm");

  int fd() const { return fd_.get(); }
  int CheckExtension(long capability) const;
  size_t vcpu_mmap_size() const { return vcpu_mmap_size_; }
  // KVM_GET_SUPPORTED_CPUID, grown until it fits.
  std::vector<kvm_cpuid_entry2> SupportedCpuid() const;
  // MSR indices KVM can save and restore for a vCPU.
  std::vector<uint32_t> MsrIndexList() const;

 private:
  ScopedFd fd_;
  size_t vcpu_mmap_size_ = 0;
};

class KvmVm {
 public:
  explicit KvmVm(const KvmSystem& kvm);

  int fd() const { return fd_.get(); }
  void SetUserMemoryRegion(uint32_t slot, uint64_t guest_address, uint64_t size, void* host);
  // Level of a GSI on the in-kernel irqchip.
  void SetIrqLine(uint32_t gsi, bool level);

 private:
  ScopedFd fd_;
};

class KvmVcpu {
 public:
  KvmVcpu(const KvmSystem& kvm, const KvmVm& vm, uint32_t id);
  KvmVcpu(const KvmVcpu&) = delete;
  KvmVcpu& operator=(const KvmVcpu&) = delete;
  ~KvmVcpu();

  uint32_t id() const { return id_; }
  int fd() const { return fd_.get(); }
  kvm_run* run() const { return run_; }

  void SetCpuid(const std::vector<kvm_cpuid_entry2>& entries);
  // Returns how many MSRs KVM accepted (it stops at the first it rejects).
  size_t SetMsrs(const std::vector<kvm_msr_entry>& msrs);
  uint64_t GetMsr(uint32_t index);
  kvm_regs GetRegs() const;
  void SetRegs(const kvm_regs& regs);
  kvm_sregs GetSregs() const;
  void SetSregs(const kvm_sregs& sregs);
  kvm_fpu GetFpu() const;
  void SetFpu(const kvm_fpu& fpu);
  kvm_lapic_state GetLapic() const;
  void SetLapic(const kvm_lapic_state& lapic);

  // Guest-physical address of a guest-linear address through the vCPU's
  // current page tables; nullopt if unmapped.
  std::optional<uint64_t> Translate(uint64_t linear) const;
  kvm_vcpu_events GetVcpuEvents() const;
  void SetVcpuEvents(const kvm_vcpu_events& events);

  // A multi-line dump of the registers for crash reports.
  std::string DescribeState() const;

 private:
  uint32_t id_;
  ScopedFd fd_;
  kvm_run* run_ = nullptr;
  size_t run_size_ = 0;
};

}  // namespace tinyrange
