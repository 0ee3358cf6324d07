// The guest's complete set of ACPI tables as one blob to copy into guest
// memory: RSDP, XSDT, FADT, MADT and DSDT, each 16-byte aligned.
#pragma once

#include <cstdint>
#include <vector>

#include "vmm/arch/x86_64/acpi/acpi_config.h"

namespace tinyrange::acpi {

struct AcpiTables {
  uint64_t address;       // guest physical address of bytes[0]
  uint64_t rsdp_address;  // for boot_params.acpi_rsdp_addr / PVH rsdp_paddr
  std::vector<uint8_t> bytes;
};

// Throws std::invalid_argument with a message naming the problem if the
// config is invalid (see ValidateAcpiConfig) or the tables do not fit in
// [x86::kAcpiTablesStart, x86::kAcpiTablesEnd) at config.tables_address.
AcpiTables BuildAcpiTables(const AcpiConfig& config);

}  // namespace tinyrange::acpi
