// DSDT: the AML namespace the guest walks to find its devices. It holds
// the \_S5 sleep package (so ACPI power-off works) and, under \_SB, COM1,
// the i8042 keyboard controller and one LNRO0005 device per virtio-mmio
// slot, which is the only way a kernel without
// CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES finds virtio-mmio devices.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/arch/x86_64/acpi/acpi_config.h"

namespace tinyrange::acpi {

// Revision 2 makes AML integers 64 bits wide.
inline constexpr uint8_t kDsdtRevision = 2;

// The _HID that Linux's virtio_mmio driver matches through ACPI.
inline constexpr char kVirtioMmioHid[] = "LNRO0005";

// "VR00", "VR01", ...: the device name of virtio slot `index` (< 100).
std::string VirtioDeviceName(size_t index);

std::vector<uint8_t> BuildDsdt(const AcpiConfig& config);

}  // namespace tinyrange::acpi
