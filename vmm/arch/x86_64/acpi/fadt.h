// FADT (signature "FACP"): the Fixed ACPI Description Table, in the ACPI
// 6.x layout (revision 6, 276 bytes). Ours describes a hardware-reduced
// platform: no PM1/GPE register blocks, no SCI, no FACS; power-off and
// reset go through the sleep control and reset registers only.
#pragma once

#include <cstdint>
#include <vector>

#include "vmm/arch/x86_64/acpi/acpi_config.h"

namespace tinyrange::acpi {

inline constexpr uint32_t kFadtLength = 276;
inline constexpr uint8_t kFadtRevision = 6;
// Minor version 5: ACPI 6.5. The table's layout has not changed since 6.0.
inline constexpr uint8_t kFadtMinorVersion = 5;

// Flags (ACPI 6.x table 5.10).
inline constexpr uint32_t kFadtPowerButton = 1u << 4;  // no fixed power button
inline constexpr uint32_t kFadtSleepButton = 1u << 5;  // no fixed sleep button
inline constexpr uint32_t kFadtResetRegSupported = 1u << 10;
inline constexpr uint32_t kFadtHardwareReduced = 1u << 20;

// IA-PC boot architecture flags (table 5.11).
inline constexpr uint16_t kBootArchLegacyDevices = 1u << 0;
inline constexpr uint16_t kBootArch8042 = 1u << 1;
inline constexpr uint16_t kBootArchVgaNotPresent = 1u << 2;
inline constexpr uint16_t kBootArchCmosRtcNotPresent = 1u << 5;

std::vector<uint8_t> BuildFadt(const AcpiConfig& config, uint64_t dsdt_address);

}  // namespace tinyrange::acpi
