// What the guest's ACPI tables describe: the CPUs, the virtio-mmio slots and
// the legacy devices of a tinyrange VM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {

// One virtio-mmio register window and the IOAPIC input its interrupt uses.
struct VirtioMmioSlot {
  uint64_t base;
  uint32_t size;
  uint32_t gsi;
};

struct AcpiConfig {
  // One enabled Local APIC per vCPU with APIC IDs 0..cpu_count-1 (an x2APIC
  // entry when the ID does not fit the xAPIC's 8 bits).
  uint32_t cpu_count = 1;
  std::vector<VirtioMmioSlot> virtio_slots;
  bool serial = true;             // COM1 at x86::kCom1Port, IRQ x86::kCom1Irq
  bool i8042 = true;              // PNP0303 keyboard controller at 0x60/0x64, IRQ 1
  std::string oem_id = "TNYRNG";  // at most 6 printable ASCII characters
  // Guest physical address of the blob; the RSDP comes first.
  uint64_t tables_address = x86::kAcpiTablesStart;
};

// The legacy interrupt lines that virtio slots must not take: the PIT that
// KVM_CREATE_PIT2 wires to GSI 0, the i8042's keyboard (1) and mouse (12)
// lines and COM1's line, whether or not those devices are enabled, so that a
// slot's GSI does not depend on the device set.
inline constexpr uint32_t kReservedGsis[] = {0, 1, x86::kCom1Irq, 12};

// The GSI of virtio slot `index` (0 <= index < kVirtioMmioMaxSlots): from
// kVirtioFirstGsi up, skipping kReservedGsis.
uint32_t VirtioSlotGsi(uint32_t index);

// Throws std::invalid_argument naming the offending field if the tables
// cannot describe `config` truthfully. Placement is checked by the builder.
void ValidateAcpiConfig(const AcpiConfig& config);

}  // namespace tinyrange::acpi
