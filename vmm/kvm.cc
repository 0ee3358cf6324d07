#include "vmm/kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "vmm/kvm_abi.h"
#include "vmm/vmm_error.h"

namespace tinyrange {

namespace {

struct RequiredCapability {
  long capability;
  const char* name;
};

constexpr RequiredCapability kRequiredCapabilities[] = {
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
};

// A header followed by `count` elements, laid out as the kernel's C
// structures are (see kvm_abi.h), in 8-byte-aligned storage.
template <typename Header, typename Element>
class FlexBuffer {
 public:
  explicit FlexBuffer(size_t count)
      : storage_(std::make_unique<uint64_t[]>((sizeof(Header) + count * sizeof(Element) + 7) / 8)) {}
  void* data() { return storage_.get(); }
  Header* header() { return reinterpret_cast<Header*>(storage_.get()); }
  Element* elements() { return reinterpret_cast<Element*>(reinterpret_cast<uint8_t*>(storage_.get()) + sizeof(Header)); }

 private:
  std::unique_ptr<uint64_t[]> storage_;
};

}  // namespace

KvmSystem KvmSystem::Open(const std::string& path) {
  KvmSystem kvm;
  kvm.fd_.Reset(open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!kvm.fd_.valid()) {
    int err = errno;
    std::string message = ErrnoMessage("cannot open " + path, err);
    if (err == ENOENT) {
      message += ". This machine offers no KVM: enable virtualization (VT-x/AMD-V) in the "
                 "firmware, or nested virtualization for a cloud VM, and load the kvm module.";
    } else if (err == EACCES || err == EPERM) {
      message += ". Add your user to the group that owns " + path +
                 " (usually 'kvm': sudo usermod -aG kvm $USER, then log in again).";
    }
    throw VmmError(message);
  }
  int version = ioctl(kvm.fd(), KVM_GET_API_VERSION, 0);
  if (version != KVM_API_VERSION) {
    throw VmmError("KVM API version " + std::to_string(version) + " is not the supported version " +
                   std::to_string(KVM_API_VERSION));
  }
  for (const auto& cap : kRequiredCapabilities) {
    if (kvm.CheckExtension(cap.capability) <= 0) {
      throw VmmError(std::string("this KVM lacks ") + cap.name + ", which tinyrange needs");
    }
  }
  int size = ioctl(kvm.fd(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size <= 0) ThrowErrno("KVM_GET_VCPU_MMAP_SIZE");
  kvm.vcpu_mmap_size_ = static_cast<size_t>(size);
  return kvm;
}

int KvmSystem::CheckExtension(long capability) const {
  return ioctl(fd(), KVM_CHECK_EXTENSION, capability);
}

std::vector<kvm_cpuid_entry2> KvmSystem::SupportedCpuid() const {
  for (uint32_t count = 128; count <= 4096; count *= 2) {
    FlexBuffer<kvm_abi::Cpuid2Header, kvm_cpuid_entry2> cpuid(count);
    cpuid.header()->nent = count;
    if (ioctl(fd(), kvm_abi::kGetSupportedCpuid, cpuid.data()) == 0) {
      return {cpuid.elements(), cpuid.elements() + cpuid.header()->nent};
    }
    if (errno != E2BIG) ThrowErrno("KVM_GET_SUPPORTED_CPUID");
  }
  throw VmmError("KVM_GET_SUPPORTED_CPUID: too many entries");
}

std::vector<uint32_t> KvmSystem::MsrIndexList() const {
  kvm_abi::MsrListHeader probe{0};
  ioctl(fd(), kvm_abi::kGetMsrIndexList, &probe);  // fails with E2BIG, sets nmsrs
  FlexBuffer<kvm_abi::MsrListHeader, uint32_t> list(probe.nmsrs);
  list.header()->nmsrs = probe.nmsrs;
  if (ioctl(fd(), kvm_abi::kGetMsrIndexList, list.data()) < 0) ThrowErrno("KVM_GET_MSR_INDEX_LIST");
  return {list.elements(), list.elements() + list.header()->nmsrs};
}

KvmVm::KvmVm(const KvmSystem& kvm) {
  // KVM_CREATE_VM can be interrupted by a signal while it sets up; retry.
  int fd;
  do {
    fd = ioctl(kvm.fd(), KVM_CREATE_VM, 0);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) ThrowErrno("KVM_CREATE_VM");
  fd_.Reset(fd);
}

void KvmVm::SetUserMemoryRegion(uint32_t slot, uint64_t guest_address, uint64_t size, void* host) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = guest_address;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host);
  if (ioctl(fd(), KVM_SET_USER_MEMORY_REGION, &region) < 0) ThrowErrno("KVM_SET_USER_MEMORY_REGION");
}

void KvmVm::SetIrqLine(uint32_t gsi, bool level) {
  kvm_irq_level irq{};
  irq.irq = gsi;
  irq.level = level ? 1 : 0;
  // A failure here can only come from a bad GSI, which is our bug; the
  // guest cannot cause it, so it is not worth stopping the VM for.
  if (ioctl(fd(), KVM_IRQ_LINE, &irq) < 0) {
    std::fprintf(stderr, "tinyrange: KVM_IRQ_LINE %u: %s\n", gsi, std::strerror(errno));
  }
}

KvmVcpu::KvmVcpu(const KvmSystem& kvm, const KvmVm& vm, uint32_t id) : id_(id) {
  int fd = ioctl(vm.fd(), KVM_CREATE_VCPU, static_cast<unsigned long>(id));
  if (fd < 0) ThrowErrno("KVM_CREATE_VCPU " + std::to_string(id));
  fd_.Reset(fd);
  run_size_ = kvm.vcpu_mmap_size();
  void* p = mmap(nullptr, run_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) ThrowErrno("mapping the kvm_run area of vCPU " + std::to_string(id));
  run_ = static_cast<kvm_run*>(p);
}

KvmVcpu::~KvmVcpu() {
  if (run_) munmap(run_, run_size_);
}

void KvmVcpu::SetCpuid(const std::vector<kvm_cpuid_entry2>& entries) {
  FlexBuffer<kvm_abi::Cpuid2Header, kvm_cpuid_entry2> cpuid(entries.size());
  cpuid.header()->nent = static_cast<uint32_t>(entries.size());
  std::memcpy(cpuid.elements(), entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
  if (ioctl(fd(), kvm_abi::kSetCpuid2, cpuid.data()) < 0) ThrowErrno("KVM_SET_CPUID2");
}

size_t KvmVcpu::SetMsrs(const std::vector<kvm_msr_entry>& msrs) {
  FlexBuffer<kvm_abi::MsrsHeader, kvm_msr_entry> list(msrs.size());
  list.header()->nmsrs = static_cast<uint32_t>(msrs.size());
  std::memcpy(list.elements(), msrs.data(), msrs.size() * sizeof(kvm_msr_entry));
  int n = ioctl(fd(), kvm_abi::kSetMsrs, list.data());
  if (n < 0) ThrowErrno("KVM_SET_MSRS");
  return static_cast<size_t>(n);
}

uint64_t KvmVcpu::GetMsr(uint32_t index) {
  FlexBuffer<kvm_abi::MsrsHeader, kvm_msr_entry> request(1);
  request.header()->nmsrs = 1;
  request.elements()[0].index = index;
  if (ioctl(fd(), kvm_abi::kGetMsrs, request.data()) != 1) ThrowErrno("KVM_GET_MSRS");
  return request.elements()[0].data;
}

kvm_regs KvmVcpu::GetRegs() const {
  kvm_regs regs{};
  if (ioctl(fd(), KVM_GET_REGS, &regs) < 0) ThrowErrno("KVM_GET_REGS");
  return regs;
}

void KvmVcpu::SetRegs(const kvm_regs& regs) {
  if (ioctl(fd(), KVM_SET_REGS, &regs) < 0) ThrowErrno("KVM_SET_REGS");
}

kvm_sregs KvmVcpu::GetSregs() const {
  kvm_sregs sregs{};
  if (ioctl(fd(), KVM_GET_SREGS, &sregs) < 0) ThrowErrno("KVM_GET_SREGS");
  return sregs;
}

void KvmVcpu::SetSregs(const kvm_sregs& sregs) {
  if (ioctl(fd(), KVM_SET_SREGS, &sregs) < 0) ThrowErrno("KVM_SET_SREGS");
}

kvm_fpu KvmVcpu::GetFpu() const {
  kvm_fpu fpu{};
  if (ioctl(fd(), KVM_GET_FPU, &fpu) < 0) ThrowErrno("KVM_GET_FPU");
  return fpu;
}

void KvmVcpu::SetFpu(const kvm_fpu& fpu) {
  if (ioctl(fd(), KVM_SET_FPU, &fpu) < 0) ThrowErrno("KVM_SET_FPU");
}

kvm_lapic_state KvmVcpu::GetLapic() const {
  kvm_lapic_state lapic{};
  if (ioctl(fd(), KVM_GET_LAPIC, &lapic) < 0) ThrowErrno("KVM_GET_LAPIC");
  return lapic;
}

void KvmVcpu::SetLapic(const kvm_lapic_state& lapic) {
  if (ioctl(fd(), KVM_SET_LAPIC, &lapic) < 0) ThrowErrno("KVM_SET_LAPIC");
}

std::optional<uint64_t> KvmVcpu::Translate(uint64_t linear) const {
  kvm_translation t{};
  t.linear_address = linear;
  if (ioctl(fd(), KVM_TRANSLATE, &t) < 0 || !t.valid) return std::nullopt;
  return t.physical_address;
}

kvm_vcpu_events KvmVcpu::GetVcpuEvents() const {
  kvm_vcpu_events events{};
  if (ioctl(fd(), KVM_GET_VCPU_EVENTS, &events) < 0) ThrowErrno("KVM_GET_VCPU_EVENTS");
  return events;
}

void KvmVcpu::SetVcpuEvents(const kvm_vcpu_events& events) {
  if (ioctl(fd(), KVM_SET_VCPU_EVENTS, &events) < 0) ThrowErrno("KVM_SET_VCPU_EVENTS");
}

std::string KvmVcpu::DescribeState() const {
  kvm_regs r{};
  kvm_sregs s{};
  if (ioctl(fd(), KVM_GET_REGS, &r) < 0 || ioctl(fd(), KVM_GET_SREGS, &s) < 0) {
    return "  (registers unavailable: " + std::string(std::strerror(errno)) + ")\n";
  }
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "  vCPU %u\n"
                "  rip=%016" PRIx64 " rsp=%016" PRIx64 " rbp=%016" PRIx64 " rflags=%016" PRIx64 "\n"
                "  rax=%016" PRIx64 " rbx=%016" PRIx64 " rcx=%016" PRIx64 " rdx=%016" PRIx64 "\n"
                "  rsi=%016" PRIx64 " rdi=%016" PRIx64 "\n"
                "  cr0=%016" PRIx64 " cr2=%016" PRIx64 " cr3=%016" PRIx64 " cr4=%016" PRIx64 "\n"
                "  efer=%016" PRIx64 " cs=%04x (base %016" PRIx64 " l=%u db=%u dpl=%u) ss=%04x\n",
                id_, static_cast<uint64_t>(r.rip), static_cast<uint64_t>(r.rsp),
                static_cast<uint64_t>(r.rbp), static_cast<uint64_t>(r.rflags),
                static_cast<uint64_t>(r.rax), static_cast<uint64_t>(r.rbx),
                static_cast<uint64_t>(r.rcx), static_cast<uint64_t>(r.rdx),
                static_cast<uint64_t>(r.rsi), static_cast<uint64_t>(r.rdi),
                static_cast<uint64_t>(s.cr0), static_cast<uint64_t>(s.cr2),
                static_cast<uint64_t>(s.cr3), static_cast<uint64_t>(s.cr4),
                static_cast<uint64_t>(s.efer), s.cs.selector, static_cast<uint64_t>(s.cs.base),
                s.cs.l, s.cs.db, s.cs.dpl, s.ss.selector);
  return buf;
}

}  // namespace tinyrange
