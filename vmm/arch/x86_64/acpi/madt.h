// MADT (signature "APIC"): the Multiple APIC Description Table, which is
// how the guest finds its CPUs and its IOAPIC without an MP table.
#pragma once

#include <cstdint>
#include <vector>

#include "vmm/arch/x86_64/acpi/acpi_config.h"

namespace tinyrange::acpi {

// Revision 5 (ACPI 6.3 onwards) defines the Local APIC "Online Capable"
// flag, which Linux reads only from revision 5 up; ours is always clear
// because every CPU is enabled from the start.
inline constexpr uint8_t kMadtRevision = 5;
inline constexpr uint32_t kMadtPcatCompat = 1u << 0;

// Interrupt controller structure types.
inline constexpr uint8_t kMadtLocalApic = 0;
inline constexpr uint8_t kMadtIoApic = 1;
inline constexpr uint8_t kMadtLocalX2Apic = 9;

// The largest APIC ID a Local APIC structure may carry; 0xff is the xAPIC
// broadcast ID, so higher IDs need Local x2APIC structures.
inline constexpr uint32_t kMaxXApicId = 254;

// The IOAPIC's ID in the MADT. KVM's in-kernel IOAPIC resets its ID
// register to 0, so the table matches what the guest can read back. IOAPIC
// and local APIC IDs need not be distinct since the system bus replaced the
// serial APIC bus (Linux on x86_64 never reprograms or cross-checks them).
inline constexpr uint8_t kIoApicId = 0;

std::vector<uint8_t> BuildMadt(const AcpiConfig& config);

}  // namespace tinyrange::acpi
