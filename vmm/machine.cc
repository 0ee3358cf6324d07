#include "vmm/machine.h"

#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "vmm/arch/x86_64/acpi/acpi_tables.h"
#include "vmm/arch/x86_64/bzimage_payload.h"
#include "vmm/arch/x86_64/kernel_loader.h"
#include "vmm/arch/x86_64/cpuid.h"
#include "vmm/arch/x86_64/emulation_fallback.h"
#include "vmm/arch/x86_64/layout.h"
#include "vmm/arch/x86_64/msrs.h"
#include "vmm/devices/acpi_power.h"
#include "vmm/devices/bus.h"
#include "vmm/devices/control_device_abi.h"
#include "vmm/devices/i8042.h"
#include "vmm/devices/serial_8250.h"
#include "vmm/guest_memory.h"
#include "vmm/kvm.h"
#include "vmm/virtio/console.h"
#include "vmm/virtio/input_port.h"
#include "vmm/virtio/net/net_backend_factory.h"
#include "vmm/virtio/notify_thread.h"
#include "vmm/virtio/virtio_mmio.h"
#include "vmm/vmm_error.h"

namespace tinyrange {

namespace {

// LAPIC register offsets and delivery modes for the local interrupt pins:
// LINT0 carries the legacy PIC (ExtINT), LINT1 the NMI, as on a PC.
constexpr size_t kLapicLvtLint0 = 0x350;
constexpr size_t kLapicLvtLint1 = 0x360;
constexpr uint32_t kDeliveryModeExtInt = 0x7 << 8;
constexpr uint32_t kDeliveryModeNmi = 0x4 << 8;
constexpr uint32_t kMaxCpus = 254;  // xAPIC IDs; the IOAPIC takes none

// vCPU threads are kicked out of KVM_RUN with this signal; its handler
// does nothing, the interrupted ioctl is the point.
int KickSignal() { return SIGRTMIN; }

void InstallKickHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = [](int) {};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return EINTR
    sigaction(KickSignal(), &sa, nullptr);
  });
}

class KvmIrqLine : public IrqLine {
 public:
  KvmIrqLine(KvmVm* vm, uint32_t gsi) : vm_(vm), gsi_(gsi) {}
  void SetLevel(bool high) override { vm_->SetIrqLine(gsi_, high); }

 private:
  KvmVm* vm_;
  uint32_t gsi_;
};

void SetLint(kvm_lapic_state& lapic, size_t offset, uint32_t mode) {
  uint32_t value;
  std::memcpy(&value, lapic.regs + offset, 4);
  value = (value & ~0x700u) | mode;
  std::memcpy(lapic.regs + offset, &value, 4);
}

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Sums the resident set of every mapping of this process except guest
// RAM, from /proc/self/smaps: the VMM's own memory cost, as Firecracker's
// "memory cop" measures it.
uint64_t ResidentBytesOutside(const GuestMemory& memory) {
  FILE* f = std::fopen("/proc/self/smaps", "re");
  if (!f) return 0;
  uint64_t total = 0;
  bool guest = false;
  char line[512];
  while (std::fgets(line, sizeof line, f)) {
    unsigned long long start, end;
    unsigned long long kib;
    if (std::sscanf(line, "%llx-%llx ", &start, &end) == 2 && std::strchr(line, '-') < std::strchr(line, ' ')) {
      guest = false;
      for (const auto& r : memory.regions()) {
        auto host = reinterpret_cast<uintptr_t>(r.host);
        if (start < host + r.size && host < end) guest = true;
      }
    } else if (!guest && std::sscanf(line, "Rss: %llu kB", &kib) == 1) {
      total += kib * 1024;
    }
  }
  std::fclose(f);
  return total;
}

// The kernel file to load: the configured one, or for a bzImage entered
// through PVH, its decompressed vmlinux from the cache.
std::string KernelToBoot(const MachineConfig& config) {
  if (access(config.kernel_path.c_str(), R_OK) != 0) ThrowErrno("cannot open kernel " + config.kernel_path);
  if (config.bzimage_entry == BzImageEntry::kLinux64) return config.kernel_path;
  std::vector<uint8_t> head(0x1000);
  {
    FILE* f = std::fopen(config.kernel_path.c_str(), "rb");
    if (!f) ThrowErrno("cannot open kernel " + config.kernel_path);
    head.resize(std::fread(head.data(), 1, head.size(), f));
    std::fclose(f);
  }
  if (x86::DetectKernelFormat(head) != x86::KernelFormat::kBzImage) return config.kernel_path;
  std::string cache = config.vmlinux_cache_dir.empty() ? x86::DefaultVmlinuxCacheDir() : config.vmlinux_cache_dir;
  std::string vmlinux = x86::CachedVmlinuxFor(config.kernel_path, cache);
  if (!vmlinux.empty()) return vmlinux;
  if (config.bzimage_entry == BzImageEntry::kPvh) {
    throw VmmError("kernel " + config.kernel_path +
                   ": cannot be entered through PVH (its payload is not a gzip/xz/zstd/lz4 vmlinux with a PVH note)");
  }
  return config.kernel_path;
}

}  // namespace

struct Machine::Impl {
  MachineConfig config;
  std::chrono::steady_clock::time_point created = std::chrono::steady_clock::now();
  KvmSystem kvm;
  std::unique_ptr<KvmVm> vm;
  GuestMemory memory;
  Bus io_bus{"port I/O bus"};
  Bus mmio_bus{"MMIO bus"};
  StopController stop;
  std::unique_ptr<KvmIrqLine> serial_irq;
  std::unique_ptr<KvmIrqLine> keyboard_irq;
  std::vector<std::unique_ptr<KvmIrqLine>> virtio_irqs;
  std::vector<acpi::VirtioMmioSlot> virtio_slots;
  std::shared_ptr<Serial8250> serial;
  virtio::VirtioConsole* virtio_console = nullptr;  // owned by its transport
  virtio::VirtioInputPort* input_port = nullptr;    // owned by its transport
  virtio::VirtioNet* virtio_net = nullptr;          // owned by its transport
  virtio::NotifyThread notify_thread;
  std::shared_ptr<ControlDevice> control;
  std::vector<std::unique_ptr<KvmVcpu>> vcpus;
  std::unique_ptr<x86::EmulationFallback> fallback;
  std::vector<pthread_t> vcpu_threads;
  std::mutex threads_mu;
  bool ran = false;

  explicit Impl(MachineConfig c) : config(std::move(c)) {}
  // The network backend's thread delivers into its transport's queues: it
  // must stop before any transport is destroyed, also when Run() never ran.
  ~Impl() {
    if (virtio_net) virtio_net->Shutdown();
  }

  void CreateVm();
  void CreateMemory();
  void CreateInterruptControllers();
  uint64_t WriteAcpiTables();
  void CreateDevices();
  void CreateVirtioDevices();
  void AddVirtioDevice(std::unique_ptr<virtio::VirtioDevice> device);
  void CreateVcpus(const x86::BootEntry& entry);
  void VcpuLoop(KvmVcpu& vcpu);
  void HandleIo(KvmVcpu& vcpu);
  void HandleMmio(KvmVcpu& vcpu);
  void Crash(KvmVcpu& vcpu, const std::string& what);
  void KickVcpus();
};

void Machine::Impl::CreateVm() {
  kvm = KvmSystem::Open(config.kvm_path);
  vm = std::make_unique<KvmVm>(kvm);
  // Order matters: the TSS and identity map must be placed, and the
  // irqchip created (CreateInterruptControllers), before any vCPU exists.
  if (ioctl(vm->fd(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(x86::kTssAddress)) < 0) {
    ThrowErrno("KVM_SET_TSS_ADDR");
  }
  uint64_t identity_map = x86::kIdentityMapAddress;
  if (kvm.CheckExtension(KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
      ioctl(vm->fd(), KVM_SET_IDENTITY_MAP_ADDR, &identity_map) < 0) {
    ThrowErrno("KVM_SET_IDENTITY_MAP_ADDR");
  }
}

void Machine::Impl::CreateInterruptControllers() {
  // After the memory slots: registering a slot waits for an SRCU grace
  // period once the irqchip exists (about 6 ms on some hosts), and is
  // nearly free before. Still before any vCPU, as KVM requires.
  if (ioctl(vm->fd(), KVM_CREATE_IRQCHIP, 0) < 0) ThrowErrno("KVM_CREATE_IRQCHIP");
  kvm_pit_config pit{};
  pit.flags = KVM_PIT_SPEAKER_DUMMY;
  if (ioctl(vm->fd(), KVM_CREATE_PIT2, &pit) < 0) ThrowErrno("KVM_CREATE_PIT2");
}

void Machine::Impl::CreateMemory() {
  if (config.memory_mib < 16) throw VmmError("the VM needs at least 16 MiB of memory (--memory)");
  if (config.memory_mib > (1ULL << 20)) throw VmmError("--memory is larger than 1 TiB");
  memory = GuestMemory::CreateX86(config.memory_mib << 20);
  uint32_t slot = 0;
  for (const auto& region : memory.regions()) {
    vm->SetUserMemoryRegion(slot++, region.guest_address, region.size, region.host);
  }
}

uint64_t Machine::Impl::WriteAcpiTables() {
  acpi::AcpiConfig acpi_config;
  acpi_config.cpu_count = config.cpus;
  acpi_config.virtio_slots = virtio_slots;
  acpi::AcpiTables tables;
  try {
    tables = acpi::BuildAcpiTables(acpi_config);
  } catch (const std::invalid_argument& e) {
    throw VmmError(std::string("ACPI tables: ") + e.what());
  }
  memory.WriteOrThrow(tables.address, tables.bytes, "the ACPI tables");
  return tables.rsdp_address;
}

void Machine::Impl::CreateDevices() {
  serial_irq = std::make_unique<KvmIrqLine>(vm.get(), x86::kCom1Irq);
  keyboard_irq = std::make_unique<KvmIrqLine>(vm.get(), 1);
  serial = std::make_shared<Serial8250>(serial_irq.get(),
                                        config.serial_output ? config.serial_output : config.console_output);
  io_bus.Register(x86::kCom1Port, Serial8250::kRegisterCount, serial);
  auto reset = [this] { stop.Request({StopReason::kReset, 0, "the guest reset the machine"}); };
  io_bus.Register(x86::kI8042DataPort, I8042::kPortSpan,
                  std::make_shared<I8042>(keyboard_irq.get(), reset));
  io_bus.Register(x86::kAcpiSleepControlPort, AcpiPower::kPortSpan,
                  std::make_shared<AcpiPower>(
                      [this] { stop.Request({StopReason::kPowerOff, 0, "the guest powered off"}); }, reset));
  control = std::make_shared<ControlDevice>(config.epoch.value_or(created), [this](uint32_t status) {
    stop.Request({StopReason::kExitStatus, status, "the guest reported exit status " + std::to_string(status)});
  });
  io_bus.Register(control::kControlPortBase, control::kControlPortCount, control);
}

void Machine::Impl::AddVirtioDevice(std::unique_ptr<virtio::VirtioDevice> device) {
  uint32_t slot = static_cast<uint32_t>(virtio_slots.size());
  if (slot >= x86::kVirtioMmioMaxSlots) {
    throw VmmError("at most " + std::to_string(x86::kVirtioMmioMaxSlots) + " virtio devices are supported");
  }
  uint64_t base = x86::kVirtioMmioBase + slot * x86::kVirtioMmioSlotSize;
  uint32_t gsi = acpi::VirtioSlotGsi(slot);
  virtio_irqs.push_back(std::make_unique<KvmIrqLine>(vm.get(), gsi));
  auto transport =
      std::make_shared<virtio::VirtioMmioTransport>(std::move(device), &memory, virtio_irqs.back().get());
  mmio_bus.Register(base, x86::kVirtioMmioSlotSize, transport);
  notify_thread.Bind(vm->fd(), base, transport);
  virtio_slots.push_back({base, static_cast<uint32_t>(x86::kVirtioMmioSlotSize), gsi});
}

void Machine::Impl::CreateVirtioDevices() {
  // The console first, so it is always slot 0.
  if (config.console == ConsoleDevice::kVirtio) {
    auto console = std::make_unique<virtio::VirtioConsole>(&memory, config.console_output, config.console_size);
    virtio_console = console.get();
    AddVirtioDevice(std::move(console));
  }
  if (!config.input_port.empty()) {
    auto port = std::make_unique<virtio::VirtioInputPort>(&memory, config.input_port);
    input_port = port.get();
    AddVirtioDevice(std::move(port));
  }
  for (const auto& disk : config.disks) AddVirtioDevice(virtio::VirtioBlock::Open(disk, &memory));
  if (config.net) {
    auto net = virtio::CreateVirtioNet(*config.net, &memory);
    virtio_net = net.get();
    AddVirtioDevice(std::move(net));
  }
  if (!config.shares.empty()) {
    // A share holds an O_PATH descriptor per file the guest has looked up;
    // the soft limit (often 1024) would cap a guest walking a source tree.
    rlimit files {};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
      files.rlim_cur = files.rlim_max;
      setrlimit(RLIMIT_NOFILE, &files);
    }
  }
  for (const auto& share : config.shares) AddVirtioDevice(virtio::VirtioFs::Open(share, &memory));
}

void Machine::Impl::CreateVcpus(const x86::BootEntry& entry) {
  auto supported_cpuid = kvm.SupportedCpuid();
  auto msrs = x86::BootMsrs();
  for (uint32_t id = 0; id < config.cpus; ++id) {
    auto vcpu = std::make_unique<KvmVcpu>(kvm, *vm, id);
    vcpu->SetCpuid(x86::CpuidForVcpu(supported_cpuid, {id, config.cpus}));
    size_t accepted = vcpu->SetMsrs(msrs);
    if (accepted != msrs.size()) {
      throw VmmError("KVM rejected MSR " + Hex(msrs[accepted].index) + " on vCPU " + std::to_string(id));
    }
    vcpu->SetFpu(x86::BootFpu());
    kvm_lapic_state lapic = vcpu->GetLapic();
    SetLint(lapic, kLapicLvtLint0, kDeliveryModeExtInt);
    SetLint(lapic, kLapicLvtLint1, kDeliveryModeNmi);
    vcpu->SetLapic(lapic);
    // Only the bootstrap processor starts at the kernel entry; the others
    // wait in KVM for the INIT/SIPI sequence the guest sends them.
    if (id == 0) {
      kvm_sregs sregs = vcpu->GetSregs();
      x86::SetBootSregs(sregs, entry.mode);
      vcpu->SetSregs(sregs);
      vcpu->SetRegs(x86::BootRegs(entry.mode, entry.entry, entry.boot_info));
    }
    vcpus.push_back(std::move(vcpu));
  }
}

void Machine::Impl::HandleIo(KvmVcpu& vcpu) {
  kvm_run* run = vcpu.run();
  auto* data = reinterpret_cast<uint8_t*>(run) + run->io.data_offset;
  size_t size = run->io.size;
  // String I/O (rep outsb/insb) arrives as `count` accesses back to back.
  for (uint32_t i = 0; i < run->io.count; ++i) {
    std::span<uint8_t> access(data + i * size, size);
    if (run->io.direction == KVM_EXIT_IO_OUT) {
      io_bus.Write(run->io.port, access);
    } else {
      io_bus.Read(run->io.port, access);
    }
  }
}

void Machine::Impl::HandleMmio(KvmVcpu& vcpu) {
  kvm_run* run = vcpu.run();
  size_t len = std::min<size_t>(run->mmio.len, sizeof(run->mmio.data));
  std::span<uint8_t> access(run->mmio.data, len);
  if (run->mmio.is_write) {
    mmio_bus.Write(run->mmio.phys_addr, access);
  } else {
    mmio_bus.Read(run->mmio.phys_addr, access);
  }
}

void Machine::Impl::Crash(KvmVcpu& vcpu, const std::string& what) {
  stop.Request({StopReason::kCrash, 0, what + "\n" + vcpu.DescribeState()});
}

void Machine::Impl::VcpuLoop(KvmVcpu& vcpu) {
  kvm_run* run = vcpu.run();
  while (!stop.stopped()) {
    if (ioctl(vcpu.fd(), KVM_RUN, 0) < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;  // kicked, or retry
      stop.Request({StopReason::kHostError, 0,
                    ErrnoMessage("KVM_RUN on vCPU " + std::to_string(vcpu.id()), errno)});
      return;
    }
    switch (run->exit_reason) {
      case KVM_EXIT_IO:
        HandleIo(vcpu);
        break;
      case KVM_EXIT_MMIO:
        HandleMmio(vcpu);
        break;
      case KVM_EXIT_HLT:
      case KVM_EXIT_INTR:
        break;
      case KVM_EXIT_SHUTDOWN:
        Crash(vcpu, "the guest triple-faulted (vCPU " + std::to_string(vcpu.id()) + ")");
        return;
      case KVM_EXIT_SYSTEM_EVENT:
        switch (run->system_event.type) {
          case KVM_SYSTEM_EVENT_SHUTDOWN:
            stop.Request({StopReason::kPowerOff, 0, "the guest powered off"});
            break;
          case KVM_SYSTEM_EVENT_RESET:
            stop.Request({StopReason::kReset, 0, "the guest reset the machine"});
            break;
          default:
            Crash(vcpu, "the guest reported a crash (system event " +
                            std::to_string(run->system_event.type) + ")");
            break;
        }
        return;
      case KVM_EXIT_FAIL_ENTRY:
        Crash(vcpu, "KVM could not enter the guest (hardware entry failure reason " +
                        Hex(run->fail_entry.hardware_entry_failure_reason) + ")");
        return;
      case KVM_EXIT_INTERNAL_ERROR:
        if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION && fallback->Handle(vcpu, nullptr)) break;
        Crash(vcpu, "KVM internal error (suberror " + std::to_string(run->internal.suberror) + ")");
        return;
      default:
        Crash(vcpu, "unexpected KVM exit reason " + std::to_string(run->exit_reason));
        return;
    }
  }
}

void Machine::Impl::KickVcpus() {
  std::lock_guard lock(threads_mu);
  for (size_t i = 0; i < vcpu_threads.size(); ++i) {
    vcpus[i]->run()->immediate_exit = 1;
    pthread_kill(vcpu_threads[i], KickSignal());
  }
}

Machine::Machine(MachineConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {
  Impl& m = *impl_;
  if (m.config.cpus == 0 || m.config.cpus > kMaxCpus) {
    throw VmmError("--cpus must be between 1 and " + std::to_string(kMaxCpus));
  }
  if (!m.config.console_output) throw VmmError("MachineConfig.console_output is required");
  // The kernel is looked at before KVM is opened: a wrong path is reported
  // as that, even on a machine without KVM.
  x86::BootSpec boot;
  boot.kernel_path = KernelToBoot(m.config);
  m.CreateVm();
  m.CreateMemory();
  m.CreateInterruptControllers();
  m.CreateVirtioDevices();
  boot.initrd = m.config.initrd;
  boot.cmdline = m.config.cmdline;
  if (m.config.virtio_on_cmdline) {
    for (const auto& slot : m.virtio_slots) {
      char arg[96];
      std::snprintf(arg, sizeof arg, " virtio_mmio.device=%uK@0x%llx:%u", slot.size / 1024,
                    static_cast<unsigned long long>(slot.base), slot.gsi);
      boot.cmdline += arg;
    }
  }
  boot.rsdp_address = m.WriteAcpiTables();
  x86::BootEntry entry = x86::LoadBoot(m.memory, boot);
  m.CreateDevices();
  m.CreateVcpus(entry);
  m.fallback = std::make_unique<x86::EmulationFallback>(m.memory);
}

Machine::~Machine() {
  // Run() joins its threads; a Machine that never ran has none.
}

MachineResult Machine::Run() {
  Impl& m = *impl_;
  if (m.ran) throw VmmError("Machine::Run called twice");
  m.ran = true;
  InstallKickHandler();
  m.stop.SetOnStop([&m] { m.KickVcpus(); });
  m.notify_thread.Start();
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m.threads_mu);
    for (auto& vcpu : m.vcpus) {
      KvmVcpu* v = vcpu.get();
      threads.emplace_back([&m, v] {
        try {
          m.VcpuLoop(*v);
        } catch (const std::exception& e) {
          m.stop.Request({StopReason::kHostError, 0, e.what()});
        }
      });
      m.vcpu_threads.push_back(threads.back().native_handle());
    }
  }
  // A stop requested before the threads existed found nothing to kick.
  if (m.stop.stopped()) m.KickVcpus();

  if (m.config.timeout.count() > 0 && !m.stop.WaitUntil(started + m.config.timeout)) {
    m.stop.Request({StopReason::kTimeout, 0,
                    "the VM ran longer than " + std::to_string(m.config.timeout.count()) + " ms"});
  }
  StopEvent event = m.stop.Wait();
  m.serial->Shutdown();
  if (m.virtio_console) m.virtio_console->Shutdown();
  if (m.input_port) m.input_port->Shutdown();
  if (m.virtio_net) m.virtio_net->Shutdown();
  m.notify_thread.Stop();
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(m.threads_mu);
    m.vcpu_threads.clear();
  }
  MachineResult result;
  result.vmm_resident_bytes = ResidentBytesOutside(m.memory);
  result.event = event;
  result.boot_marks = m.control->boot_marks();
  result.timings.setup = std::chrono::duration_cast<std::chrono::nanoseconds>(started - m.created);
  result.timings.run = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - started);
  return result;
}

bool Machine::SendConsoleInput(std::span<const uint8_t> bytes) {
  if (impl_->input_port) return impl_->input_port->EnqueueInput(bytes);
  if (impl_->virtio_console) return impl_->virtio_console->EnqueueInput(bytes);
  return impl_->serial->EnqueueInput(bytes);
}

void Machine::SetConsoleSize(uint16_t cols, uint16_t rows) {
  if (impl_->virtio_console) impl_->virtio_console->SetSize(cols, rows);
}

void Machine::CloseConsoleInput() {
  if (impl_->input_port) impl_->input_port->CloseInput();
}

void Machine::RequestStop(StopReason reason, std::string detail) {
  impl_->stop.Request({reason, 0, std::move(detail)});
}

}  // namespace tinyrange
