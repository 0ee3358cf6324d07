// A freestanding test guest: no libc, no kernel. It starts at the kernel
// entry point the VMM chose (PVH or Linux 64-bit), reads its command line,
// runs the test named by `test=NAME`, prints results on the serial port
// and reports an exit status through the tinyrange control device. The
// host-side tests (tests/vm_boot_test.cc) check output and status.
#include <stddef.h>
#include <stdint.h>

#include "boot_common.h"
#include "vmm/devices/control_device_abi.h"

extern "C" {
alignas(16) unsigned char guest_stack[64 * 1024];
extern const unsigned char ap_trampoline_start[];
extern const unsigned char ap_trampoline_end[];
void guest_main(uint32_t boot_kind, uint64_t boot_info);
}
asm(".globl guest_stack_top\n.set guest_stack_top, guest_stack + 65536\n");

namespace {

using tinyrange::control::kControlBootMarkPort;
using tinyrange::control::kControlExitStatusPort;
using tinyrange::control::kControlMagic;
using tinyrange::control::kControlMagicPort;

constexpr uint16_t kCom1 = 0x3f8;

inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline uint8_t inb(uint16_t port) {
  uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
inline uint32_t inl(uint16_t port) {
  uint32_t v;
  asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
template <typename T>
inline T MmioRead(uint64_t address) {
  return *reinterpret_cast<volatile T*>(address);
}
template <typename T>
inline void MmioWrite(uint64_t address, T value) {
  *reinterpret_cast<volatile T*>(address) = value;
}
inline void Cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
inline uint64_t Rdmsr(uint32_t index) {
  uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

void PutChar(char c) {
  while (!(inb(kCom1 + 5) & 0x20)) {
  }
  outb(kCom1, static_cast<uint8_t>(c));
}
void Print(const char* s) {
  while (*s) PutChar(*s++);
}
void PrintHex(uint64_t v) {
  Print("0x");
  bool started = false;
  for (int shift = 60; shift >= 0; shift -= 4) {
    unsigned digit = (v >> shift) & 0xf;
    if (digit || started || shift == 0) {
      PutChar(static_cast<char>(digit < 10 ? '0' + digit : 'a' + digit - 10));
      started = true;
    }
  }
}
void PrintDec(uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) PutChar(buf[--n]);
}
void PrintKv(const char* key, uint64_t value, bool hex = false) {
  Print(key);
  PutChar('=');
  if (hex) {
    PrintHex(value);
  } else {
    PrintDec(value);
  }
  PutChar('\n');
}

[[noreturn]] void Exit(uint32_t status) {
  outl(kControlExitStatusPort, status);
  for (;;) asm volatile("cli; hlt");
}

bool StartsWith(const char* s, const char* prefix) {
  while (*prefix) {
    if (*s++ != *prefix++) return false;
  }
  return true;
}

bool Equal(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Finds `key=` in the command line; returns the value's start or null.
const char* Argument(const char* cmdline, const char* key) {
  const char* p = cmdline;
  while (*p) {
    while (*p == ' ') ++p;
    const char* word = p;
    if (StartsWith(word, key)) {
      const char* after = word;
      const char* k = key;
      while (*k) ++after, ++k;
      if (*after == '=') return after + 1;
    }
    while (*p && *p != ' ') ++p;
  }
  return nullptr;
}

uint64_t ParseNumber(const char* s) {
  uint64_t v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + static_cast<uint64_t>(*s++ - '0');
  return v;
}

struct BootInfo {
  const char* cmdline = "";
  uint64_t initrd_address = 0;
  uint64_t initrd_size = 0;
  uint64_t rsdp = 0;
  uint64_t ram_bytes = 0;
  uint32_t memory_map_entries = 0;
  bool header_ok = false;
};

BootInfo ReadBootInfo(uint32_t kind, uint64_t info) {
  BootInfo b;
  auto* base = reinterpret_cast<const uint8_t*>(info);
  auto u32 = [&](size_t off) { return *reinterpret_cast<const uint32_t*>(base + off); };
  auto u64 = [&](size_t off) { return *reinterpret_cast<const uint64_t*>(base + off); };
  if (kind == BOOT_KIND_PVH) {
    b.header_ok = u32(0) == 0x336ec578 && u32(4) >= 1;
    b.cmdline = reinterpret_cast<const char*>(u64(24));
    if (u32(12) >= 1) {
      auto* module = reinterpret_cast<const uint64_t*>(u64(16));
      b.initrd_address = module[0];
      b.initrd_size = module[1];
    }
    b.rsdp = u64(32);
    auto* map = reinterpret_cast<const uint8_t*>(u64(40));
    b.memory_map_entries = u32(48);
    for (uint32_t i = 0; i < b.memory_map_entries; ++i) {
      const uint8_t* e = map + i * 24;
      if (*reinterpret_cast<const uint32_t*>(e + 16) == 1) b.ram_bytes += *reinterpret_cast<const uint64_t*>(e + 8);
    }
  } else {
    // boot_params: hdr.header at 0x202, type_of_loader 0x210,
    // cmd_line_ptr 0x228, ramdisk 0x218/0x21c (+ext at 0xc0/0xc4),
    // acpi_rsdp_addr 0x70, e820_entries 0x1e8, e820_table 0x2d0.
    b.header_ok = u32(0x202) == 0x53726448 && base[0x210] == 0xff;
    b.cmdline = reinterpret_cast<const char*>(static_cast<uint64_t>(u32(0x228)));
    b.initrd_address = u32(0x218) | (static_cast<uint64_t>(u32(0xc0)) << 32);
    b.initrd_size = u32(0x21c) | (static_cast<uint64_t>(u32(0xc4)) << 32);
    b.rsdp = u64(0x70);
    b.memory_map_entries = base[0x1e8];
    for (uint32_t i = 0; i < b.memory_map_entries; ++i) {
      const uint8_t* e = base + 0x2d0 + i * 20;
      if (*reinterpret_cast<const uint32_t*>(e + 16) == 1) b.ram_bytes += *reinterpret_cast<const uint64_t*>(e + 8);
    }
  }
  return b;
}

// FNV-1a, 32 bit: the host computes the same over the initrd it passed.
uint32_t Fnv1a(const uint8_t* p, uint64_t n) {
  uint32_t h = 2166136261u;
  for (uint64_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

// Counts the processor-local APIC entries of the MADT reached from RSDP.
int CountMadtCpus(uint64_t rsdp) {
  auto* r = reinterpret_cast<const char*>(rsdp);
  if (!r || !Equal(r, "RSD PTR ", 8)) return -1;
  uint64_t xsdt = *reinterpret_cast<const uint64_t*>(r + 24);
  auto* x = reinterpret_cast<const char*>(xsdt);
  if (!Equal(x, "XSDT", 4)) return -2;
  uint32_t xlen = *reinterpret_cast<const uint32_t*>(x + 4);
  for (uint32_t off = 36; off + 8 <= xlen; off += 8) {
    auto* t = reinterpret_cast<const char*>(*reinterpret_cast<const uint64_t*>(x + off));
    if (!Equal(t, "APIC", 4)) continue;
    uint32_t len = *reinterpret_cast<const uint32_t*>(t + 4);
    int cpus = 0;
    for (uint32_t p = 44; p + 2 <= len;) {
      uint8_t type = static_cast<uint8_t>(t[p]);
      uint8_t elen = static_cast<uint8_t>(t[p + 1]);
      if (elen < 2) return -3;
      if ((type == 0 && (t[p + 4] & 1)) || (type == 9 && (t[p + 8] & 1))) ++cpus;
      p += elen;
    }
    return cpus;
  }
  return -4;
}

void TestBootInfo(const BootInfo& b) {
  PrintKv("header_ok", b.header_ok);
  PrintKv("initrd_size", b.initrd_size);
  PrintKv("initrd_fnv", b.initrd_size ? Fnv1a(reinterpret_cast<const uint8_t*>(b.initrd_address), b.initrd_size) : 0,
          true);
  PrintKv("ram_mib", b.ram_bytes >> 20);
  PrintKv("madt_cpus", static_cast<uint64_t>(CountMadtCpus(b.rsdp)));
  Exit(b.header_ok ? 0 : 1);
}

// Reads serial input up to a newline and echoes it upper-cased.
void TestSerialEcho() {
  // Open the line as a driver would: DTR, RTS and OUT2 (the host holds its
  // input until RTS is up).
  outb(kCom1 + 4, 0x0b);
  Print("ready\n");
  uint32_t count = 0;
  for (;;) {
    while (!(inb(kCom1 + 5) & 0x01)) {
    }
    char c = static_cast<char>(inb(kCom1));
    if (c == '\n') break;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    PutChar(c);
    ++count;
  }
  PutChar('\n');
  Exit(count);
}

void Delay(uint64_t iterations) {
  for (uint64_t i = 0; i < iterations; ++i) asm volatile("pause");
}

// Wakes the other CPUs with INIT-SIPI-SIPI; each increments a counter.
void TestSmp(uint32_t expected_aps) {
  constexpr uint64_t kLapic = 0xfee00000;
  const uint8_t* src = ap_trampoline_start;
  auto* dst = reinterpret_cast<uint8_t*>(AP_TRAMPOLINE_ADDRESS);
  for (const uint8_t* p = src; p < ap_trampoline_end; ++p) *dst++ = *p;
  auto* counter = reinterpret_cast<volatile uint16_t*>(AP_TRAMPOLINE_ADDRESS + AP_COUNTER_OFFSET);
  *counter = 0;
  MmioWrite<uint32_t>(kLapic + 0xf0, MmioRead<uint32_t>(kLapic + 0xf0) | 0x100);  // software enable
  MmioWrite<uint32_t>(kLapic + 0x310, 0);                                          // all but self below
  MmioWrite<uint32_t>(kLapic + 0x300, 0x000c4500);  // INIT, all excluding self
  Delay(1000);
  for (int i = 0; i < 2; ++i) {
    MmioWrite<uint32_t>(kLapic + 0x300, 0x000c4600 | (AP_TRAMPOLINE_ADDRESS >> 12));  // SIPI
    Delay(1000);
  }
  for (uint64_t spins = 0; *counter < expected_aps && spins < 200000000; ++spins) {
    asm volatile("pause");
  }
  PrintKv("aps_online", *counter);
  Exit(1 + *counter);
}

void TestCpuid() {
  uint32_t r[4];
  Cpuid(1, 0, r);
  uint32_t apic_id = r[1] >> 24;
  bool hypervisor = r[2] & (1u << 31);
  PrintKv("leaf1_ecx", r[2], true);
  Cpuid(0x40000000, 0, r);
  char sig[13];
  *reinterpret_cast<uint32_t*>(sig) = r[1];
  *reinterpret_cast<uint32_t*>(sig + 4) = r[2];
  *reinterpret_cast<uint32_t*>(sig + 8) = r[3];
  sig[12] = 0;
  PrintKv("apic_id", apic_id);
  PrintKv("hypervisor", hypervisor);
  Print("signature=");
  Print(sig);
  PutChar('\n');
  uint64_t mtrr = Rdmsr(0x2ff);
  PrintKv("mtrr_def_type", mtrr, true);
  Exit(apic_id == 0 && hypervisor && Equal(sig, "KVMKVMKVM", 9) && mtrr == 0x806 ? 0 : 1);
}

void TestUnknownDevices() {
  uint32_t port = inl(0x1234);
  outl(0x1234, 0xdeadbeef);
  uint32_t mmio = MmioRead<uint32_t>(0xd8000000);
  MmioWrite<uint32_t>(0xd8000000, 0x12345678);
  uint32_t magic = inl(kControlMagicPort);
  PrintKv("unknown_port", port, true);
  PrintKv("unknown_mmio", mmio, true);
  PrintKv("control_magic", magic, true);
  Exit(port == 0xffffffff && mmio == 0xffffffff && magic == kControlMagic ? 0 : 1);
}

// Exception delivery through a real IDT: a breakpoint handler that counts
// and returns. Linux relies on this (its alternatives self-test executes
// int3 early in boot).
extern "C" volatile uint32_t breakpoints_taken;
volatile uint32_t breakpoints_taken = 0;
extern "C" void breakpoint_handler();
asm(".pushsection .text\n"
    "breakpoint_handler:\n"
    "  lock incl breakpoints_taken(%rip)\n"
    "  iretq\n"
    ".popsection\n");

void TestBreakpoint() {
  struct __attribute__((packed)) Gate {
    uint16_t offset_low, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_high, reserved;
  };
  static Gate idt[32];
  uint64_t handler = reinterpret_cast<uint64_t>(&breakpoint_handler);
  uint16_t cs;
  asm volatile("mov %%cs, %0" : "=r"(cs));
  idt[3] = {static_cast<uint16_t>(handler), cs, 0, 0x8e, static_cast<uint16_t>(handler >> 16),
            static_cast<uint32_t>(handler >> 32), 0};
  struct __attribute__((packed)) {
    uint16_t limit;
    uint64_t base;
  } pointer = {sizeof(idt) - 1, reinterpret_cast<uint64_t>(idt)};
  asm volatile("lidt %0" ::"m"(pointer));
  asm volatile("int3");
  asm volatile("int3");
  PrintKv("breakpoints", breakpoints_taken);
  Exit(breakpoints_taken == 2 ? 0 : 1);
}

// lock cmpxchg16b, both outcomes: Linux's slab allocator relies on it.
void TestCmpxchg16b() {
  alignas(16) static volatile uint64_t cell[2] = {1, 2};
  uint64_t low = 1, high = 2;
  bool swapped;
  asm volatile("lock cmpxchg16b %1"
               : "=@ccz"(swapped), "+m"(*cell), "+a"(low), "+d"(high)
               : "b"(uint64_t{3}), "c"(uint64_t{4})
               : "memory");
  bool first_ok = swapped && cell[0] == 3 && cell[1] == 4;
  low = 1;
  high = 2;
  asm volatile("lock cmpxchg16b %1"
               : "=@ccz"(swapped), "+m"(*cell), "+a"(low), "+d"(high)
               : "b"(uint64_t{5}), "c"(uint64_t{6})
               : "memory");
  bool second_ok = !swapped && low == 3 && high == 4 && cell[0] == 3;
  PrintKv("swap", first_ok);
  PrintKv("no_swap", second_ok);
  Exit(first_ok && second_ok ? 0 : 1);
}

// A minimal virtio-blk driver over virtio-mmio in the first slot: the
// handshake, one queue, and three requests (read sector 0, write sector 1,
// flush), polling the used ring with interrupts off.
namespace blk {
constexpr uint64_t kBase = 0xd0000000;
uint32_t R(uint64_t off) { return MmioRead<uint32_t>(kBase + off); }
void W(uint64_t off, uint32_t v) { MmioWrite<uint32_t>(kBase + off, v); }
alignas(4096) uint8_t rings[3 * 4096];
alignas(16) uint8_t header[16];
alignas(16) uint8_t data[512];
volatile uint8_t status;
uint16_t avail_idx = 0;

struct Desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags, next;
};

// Submits header (+ data) + status as one chain and waits for it.
bool Request(uint32_t type, uint64_t sector, bool data_writable, bool with_data) {
  auto* desc = reinterpret_cast<Desc*>(rings);  // published by the avail index write below
  auto* avail = reinterpret_cast<volatile uint16_t*>(rings + 4096);
  auto* used = reinterpret_cast<volatile uint16_t*>(rings + 8192);
  *reinterpret_cast<uint32_t*>(header) = type;
  *reinterpret_cast<uint64_t*>(header + 8) = sector;
  status = 0xff;
  uint16_t n = 0;
  desc[n] = {reinterpret_cast<uint64_t>(header), 16, 1, static_cast<uint16_t>(n + 1)};
  ++n;
  if (with_data) {
    desc[n] = {reinterpret_cast<uint64_t>(data), 512, static_cast<uint16_t>(1 | (data_writable ? 2 : 0)),
               static_cast<uint16_t>(n + 1)};
    ++n;
  }
  desc[n] = {reinterpret_cast<uint64_t>(&status), 1, 2, 0};
  avail[2 + avail_idx % 8] = 0;
  ++avail_idx;
  asm volatile("" ::: "memory");
  avail[1] = avail_idx;
  W(0x50, 0);
  for (uint64_t spins = 0; used[1] != avail_idx; ++spins) {
    if (spins > 100000000) return false;
    asm volatile("pause");
  }
  return true;
}
}  // namespace blk

void TestVirtioBlock() {
  using namespace blk;
  if (R(0x000) != 0x74726976 || R(0x004) != 2 || R(0x008) != 2) Exit(10);
  W(0x070, 0);
  W(0x070, 1);
  W(0x070, 3);
  W(0x024, 1);
  W(0x020, 1);  // VERSION_1 only
  W(0x024, 0);
  W(0x020, 0);
  W(0x070, 0xb);
  if (!(R(0x070) & 8)) Exit(11);
  W(0x030, 0);
  if (R(0x034) < 8) Exit(12);
  W(0x038, 8);
  W(0x080, static_cast<uint32_t>(reinterpret_cast<uint64_t>(rings)));
  W(0x084, 0);
  W(0x090, static_cast<uint32_t>(reinterpret_cast<uint64_t>(rings + 4096)));
  W(0x094, 0);
  W(0x0a0, static_cast<uint32_t>(reinterpret_cast<uint64_t>(rings + 8192)));
  W(0x0a4, 0);
  W(0x044, 1);
  W(0x070, 0xf);
  if (!(R(0x070) & 4)) Exit(13);
  PrintKv("capacity", R(0x100) | (static_cast<uint64_t>(R(0x104)) << 32));
  if (!Request(0, 0, true, true)) Exit(14);
  PrintKv("read_status", status);
  Print("sector0=");
  for (int i = 0; i < 16; ++i) PutChar(static_cast<char>(data[i]));
  PutChar('\n');
  for (auto& b : data) b = 'T';
  if (!Request(1, 1, false, true)) Exit(15);
  PrintKv("write_status", status);
  if (!Request(4, 0, false, false)) Exit(16);
  PrintKv("flush_status", status);
  Exit(0);
}

// A virtio-console driver in slot 0: transmit a greeting, receive a line
// from the host, transmit it back.
namespace con {
constexpr uint64_t kBase = 0xd0000000;
uint32_t R(uint64_t off) { return MmioRead<uint32_t>(kBase + off); }
void W(uint64_t off, uint32_t v) { MmioWrite<uint32_t>(kBase + off, v); }
struct Desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags, next;
};
struct Queue {
  alignas(4096) uint8_t rings[3 * 4096];
  uint16_t avail_idx;
  Desc* desc() { return reinterpret_cast<Desc*>(rings); }
  volatile uint16_t* avail() { return reinterpret_cast<volatile uint16_t*>(rings + 4096); }
  volatile uint16_t* used() { return reinterpret_cast<volatile uint16_t*>(rings + 8192); }
};
Queue rx, tx;
char rx_buffer[64];
char tx_buffer[128];

void Setup(uint32_t index, Queue& q) {
  W(0x030, index);
  W(0x038, 8);
  W(0x080, static_cast<uint32_t>(reinterpret_cast<uint64_t>(q.rings)));
  W(0x090, static_cast<uint32_t>(reinterpret_cast<uint64_t>(q.rings + 4096)));
  W(0x0a0, static_cast<uint32_t>(reinterpret_cast<uint64_t>(q.rings + 8192)));
  W(0x044, 1);
}

void Post(uint32_t index, Queue& q, void* buffer, uint32_t len, bool writable) {
  q.desc()[0] = {reinterpret_cast<uint64_t>(buffer), len, static_cast<uint16_t>(writable ? 2 : 0), 0};
  q.avail()[2 + q.avail_idx % 8] = 0;
  ++q.avail_idx;
  asm volatile("" ::: "memory");
  q.avail()[1] = q.avail_idx;
  W(0x050, index);
}

bool Wait(Queue& q) {
  for (uint64_t spins = 0; q.used()[1] != q.avail_idx; ++spins) {
    if (spins > 2000000000) return false;
    asm volatile("pause");
  }
  return true;
}

void Send(const char* text) {
  uint32_t n = 0;
  while (text[n]) {
    tx_buffer[n] = text[n];
    ++n;
  }
  Post(1, tx, tx_buffer, n, false);
}
}  // namespace con

void TestVirtioConsole() {
  using namespace con;
  if (R(0x000) != 0x74726976 || R(0x008) != 3) Exit(10);
  W(0x070, 0);
  W(0x070, 3);
  W(0x024, 1);
  W(0x020, 1);
  W(0x024, 0);
  W(0x020, 0);
  W(0x070, 0xb);
  Setup(0, rx);
  Setup(1, tx);
  W(0x070, 0xf);
  if (!(R(0x070) & 4)) Exit(11);
  Post(0, rx, rx_buffer, sizeof rx_buffer, true);
  Send("hello over virtio-console\n");
  if (!Wait(tx)) Exit(12);
  if (!Wait(rx)) Exit(13);
  // The used element's length says how much input arrived.
  uint32_t got = *reinterpret_cast<volatile uint32_t*>(rx.rings + 8192 + 4 + 4);
  char line[96] = "got: ";
  uint32_t n = 5;
  for (uint32_t i = 0; i < got && n < sizeof line - 1; ++i) line[n++] = rx_buffer[i];
  line[n] = 0;
  Send(line);
  if (!Wait(tx)) Exit(14);
  Exit(0);
}

void TestTripleFault() {
  // An empty IDT: the breakpoint cannot be delivered, nor the double
  // fault that follows, so the CPU shuts down.
  struct __attribute__((packed)) {
    uint16_t limit;
    uint64_t base;
  } idt = {0, 0};
  asm volatile("lidt %0; int3" ::"m"(idt));
  Exit(99);
}

}  // namespace

extern "C" void guest_main(uint32_t boot_kind, uint64_t boot_info) {
  outl(kControlBootMarkPort, 10);
  BootInfo b = ReadBootInfo(boot_kind, boot_info);
  const char* test = Argument(b.cmdline, "test");
  Print("test guest: entry=");
  Print(boot_kind == BOOT_KIND_PVH ? "pvh" : "linux64");
  Print(" test=");
  for (const char* p = test; p && *p && *p != ' '; ++p) PutChar(*p);
  PutChar('\n');
  if (!test) Exit(200);
  if (StartsWith(test, "cmdline")) {
    Print("cmdline=");
    Print(b.cmdline);
    PutChar('\n');
    Exit(0);
  }
  if (StartsWith(test, "hello")) {
    Print("hello from the test guest\n");
    Exit(0);
  }
  if (StartsWith(test, "exit")) Exit(static_cast<uint32_t>(ParseNumber(Argument(b.cmdline, "status") ?: "0")));
  if (StartsWith(test, "bootinfo")) TestBootInfo(b);
  if (StartsWith(test, "serial-echo")) TestSerialEcho();
  if (StartsWith(test, "smp")) TestSmp(static_cast<uint32_t>(ParseNumber(Argument(b.cmdline, "aps") ?: "0")));
  if (StartsWith(test, "cpuid")) TestCpuid();
  if (StartsWith(test, "unknown-devices")) TestUnknownDevices();
  if (StartsWith(test, "poweroff")) {
    outb(0x600, (5 << 2) | (1 << 5));
    Exit(98);
  }
  if (StartsWith(test, "i8042-reset")) {
    outb(0x64, 0xfe);
    Exit(98);
  }
  if (StartsWith(test, "triple-fault")) TestTripleFault();
  if (StartsWith(test, "breakpoint")) TestBreakpoint();
  if (StartsWith(test, "cmpxchg16b")) TestCmpxchg16b();
  if (StartsWith(test, "virtio-blk")) TestVirtioBlock();
  if (StartsWith(test, "virtio-console")) TestVirtioConsole();
  if (StartsWith(test, "hang")) {
    for (;;) asm volatile("pause");
  }
  if (StartsWith(test, "flood")) {
    // Many lines of output, to check that none is lost.
    uint64_t lines = ParseNumber(Argument(b.cmdline, "lines") ?: "0");
    for (uint64_t i = 0; i < lines; ++i) PrintKv("line", i);
    Exit(0);
  }
  Print("unknown test\n");
  Exit(201);
}
