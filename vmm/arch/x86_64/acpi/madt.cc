#include "vmm/arch/x86_64/acpi/madt.h"

#include "vmm/arch/x86_64/acpi/sdt.h"
#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {

namespace {

constexpr uint32_t kLapicEnabled = 1u << 0;

}  // namespace

std::vector<uint8_t> BuildMadt(const AcpiConfig& config) {
  ByteWriter w = BeginSdt("APIC", kMadtRevision, config.oem_id);
  w.U32(static_cast<uint32_t>(x86::kLapicAddress));
  // PCAT_COMPAT: KVM_CREATE_IRQCHIP does create a dual 8259 beside the
  // IOAPIC, with GSIs 0-15 routed to both, so the flag is true and tells
  // the OS to mask the 8259s before it uses the IOAPIC.
  w.U32(kMadtPcatCompat);

  // vCPU i has APIC ID i (as CPUID reports it) and ACPI processor UID i.
  for (uint32_t id = 0; id < config.cpu_count; ++id) {
    if (id <= kMaxXApicId) {
      w.U8(kMadtLocalApic);
      w.U8(8);
      w.U8(static_cast<uint8_t>(id));  // ACPI Processor UID
      w.U8(static_cast<uint8_t>(id));  // APIC ID
      w.U32(kLapicEnabled);
    } else {
      w.U8(kMadtLocalX2Apic);
      w.U8(16);
      w.U16(0);   // reserved
      w.U32(id);  // x2APIC ID
      w.U32(kLapicEnabled);
      w.U32(id);  // ACPI Processor UID
    }
  }

  w.U8(kMadtIoApic);
  w.U8(12);
  w.U8(kIoApicId);
  w.U8(0);  // reserved
  w.U32(static_cast<uint32_t>(x86::kIoapicAddress));
  w.U32(0);  // Global System Interrupt base: pin n is GSI n

  // No Interrupt Source Overrides: KVM's default routing sends GSI n to
  // IOAPIC pin n for every n, including the PIT on GSI 0, so ISA IRQs map
  // to GSIs one to one with their default edge/active-high polarity.
  return FinishSdt(std::move(w));
}

}  // namespace tinyrange::acpi
