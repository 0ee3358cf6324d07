// Guest physical memory map of an x86_64 tinyrange VM.
//
// Everything the boot path reads before the kernel sets up its own page
// tables (GDT, page tables, zero page, command line) lives in the first
// 1 MiB, which our identity map always covers. Addresses follow the
// conventions of existing minimal VMMs so that stock kernels find nothing
// surprising: ACPI tables in the BIOS area, the 32-bit MMIO hole below 4 GiB.
#pragma once

#include <cstdint>

namespace tinyrange::x86 {

// Low memory, used only during boot.
inline constexpr uint64_t kGdtAddress = 0x500;
inline constexpr uint64_t kIdtAddress = 0x540;  // after the five GDT entries
inline constexpr uint64_t kPvhStartInfoAddress = 0x6000;   // struct hvm_start_info
inline constexpr uint64_t kPvhModuleListAddress = 0x6040;  // hvm_modlist_entry[]
inline constexpr uint64_t kPvhMemmapAddress = 0x6100;      // hvm_memmap_table_entry[]
inline constexpr uint64_t kZeroPageAddress = 0x7000;       // struct boot_params
inline constexpr uint64_t kBootStackTop = 0x8ff0;
inline constexpr uint64_t kPml4Address = 0x9000;
inline constexpr uint64_t kPdptAddress = 0xa000;
inline constexpr uint64_t kPdAddress = 0xb000;  // four pages: identity map of 4 GiB
inline constexpr uint64_t kCmdlineAddress = 0x20000;
inline constexpr uint64_t kCmdlineMaxSize = 0x10000;

// The top of conventional memory; [kEbdaStart, 1 MiB) is reserved in e820.
inline constexpr uint64_t kEbdaStart = 0x9fc00;
// ACPI tables: the RSDP must lie in [0xe0000, 0x100000) for a kernel that
// scans for it; we also pass its address in boot_params.
inline constexpr uint64_t kAcpiTablesStart = 0xe0000;
inline constexpr uint64_t kAcpiTablesEnd = 0x100000;

// Kernels are loaded at 1 MiB unless their header asks for more.
inline constexpr uint64_t kHighMemoryStart = 0x100000;

// 32-bit MMIO hole [3 GiB, 4 GiB). RAM beyond 3 GiB continues at 4 GiB.
inline constexpr uint64_t kMmioHoleStart = 0xc0000000ULL;
inline constexpr uint64_t kMmioHoleEnd = 0x100000000ULL;

// virtio-mmio device windows: one 4 KiB slot per device.
inline constexpr uint64_t kVirtioMmioBase = 0xd0000000ULL;
inline constexpr uint64_t kVirtioMmioSlotSize = 0x1000;
// GSIs 5..23 go to virtio-mmio devices, except 12 (the i8042's mouse
// line, kept free in case a guest probes it); 4 is the serial port, 1 the
// keyboard, 0 the PIT. That leaves 18 slots.
inline constexpr uint32_t kVirtioMmioMaxSlots = 18;
inline constexpr uint32_t kVirtioFirstGsi = 5;

inline constexpr uint64_t kIoapicAddress = 0xfec00000ULL;
inline constexpr uint32_t kIoapicGsiCount = 24;
inline constexpr uint64_t kLapicAddress = 0xfee00000ULL;
// KVM needs three pages for the TSS and one for the identity-map page
// table on Intel, inside the 32-bit hole and outside any RAM or MMIO.
inline constexpr uint64_t kTssAddress = 0xfffbd000ULL;
inline constexpr uint64_t kIdentityMapAddress = 0xfffbc000ULL;

// I/O ports.
inline constexpr uint16_t kCom1Port = 0x3f8;
inline constexpr uint32_t kCom1Irq = 4;
inline constexpr uint16_t kI8042DataPort = 0x60;
inline constexpr uint16_t kI8042CommandPort = 0x64;
// ACPI hardware-reduced sleep registers (FADT SLEEP_CONTROL_REG and
// SLEEP_STATUS_REG), one byte each. Writing SLP_TYPx=5|SLP_EN powers off.
inline constexpr uint16_t kAcpiSleepControlPort = 0x600;
inline constexpr uint16_t kAcpiSleepStatusPort = 0x601;
// ACPI reset register (FADT RESET_REG): writing kAcpiResetValue reboots,
// which for us means the VM ends.
inline constexpr uint16_t kAcpiResetPort = 0x602;
inline constexpr uint8_t kAcpiResetValue = 0x1;
inline constexpr uint8_t kAcpiS5SleepType = 5;

}  // namespace tinyrange::x86
