#include "vmm/arch/x86_64/acpi/fadt.h"

#include <stdexcept>

#include "vmm/arch/x86_64/acpi/sdt.h"
#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {

namespace {

// A C2/C3 latency above these limits tells the OS the state is unsupported;
// we have no processor power states to offer.
constexpr uint16_t kC2Unsupported = 101;
constexpr uint16_t kC3Unsupported = 1001;

uint16_t BootArchFlags(const AcpiConfig& config) {
  // No VGA and no CMOS RTC are emulated: saying so keeps the guest from
  // probing them (Linux then registers no rtc_cmos device and takes wall
  // time from kvmclock). The 8042 bit must match the DSDT, because Linux
  // treats a clear bit as "no keyboard controller" and skips the i8042
  // driver's probe; LEGACY_DEVICES says ISA-style devices (COM1, the 8042)
  // exist. MSI_NOT_SUPPORTED stays clear: there is no PCI bus to say it
  // about, and a virtio-pci transport added later could use MSIs.
  uint16_t flags = kBootArchVgaNotPresent | kBootArchCmosRtcNotPresent;
  if (config.i8042) flags |= kBootArch8042;
  if (config.i8042 || config.serial) flags |= kBootArchLegacyDevices;
  return flags;
}

}  // namespace

std::vector<uint8_t> BuildFadt(const AcpiConfig& config, uint64_t dsdt_address) {
  ByteWriter w = BeginSdt("FACP", kFadtRevision, config.oem_id);
  w.U32(0);  // FIRMWARE_CTRL: hardware-reduced platforms may omit the FACS
  // DSDT: the 32-bit copy of X_DSDT for OSes that read only this field.
  // ACPICA accepts both when they agree.
  if (dsdt_address > UINT32_MAX) throw std::invalid_argument("the DSDT must lie below 4 GiB");
  w.U32(static_cast<uint32_t>(dsdt_address));
  w.U8(0);                // reserved (was INT_MODEL)
  w.U8(0);                // Preferred_PM_Profile: unspecified
  w.U16(0);               // SCI_INT: no SCI on a hardware-reduced platform
  w.U32(0);               // SMI_CMD: no SMM, ACPI is always enabled
  w.U8(0);                // ACPI_ENABLE
  w.U8(0);                // ACPI_DISABLE
  w.U8(0);                // S4BIOS_REQ
  w.U8(0);                // PSTATE_CNT
  w.Zeros(8 * 4);         // PM1a/b_EVT_BLK, PM1a/b_CNT_BLK, PM2_CNT_BLK, PM_TMR_BLK, GPE0/1_BLK
  w.Zeros(8);             // their lengths, GPE1_BASE and CST_CNT
  w.U16(kC2Unsupported);  // P_LVL2_LAT
  w.U16(kC3Unsupported);  // P_LVL3_LAT
  w.U16(0);               // FLUSH_SIZE
  w.U16(0);               // FLUSH_STRIDE
  w.U8(0);                // DUTY_OFFSET
  w.U8(0);                // DUTY_WIDTH
  w.U8(0);                // DAY_ALRM
  w.U8(0);                // MON_ALRM
  w.U8(0);                // CENTURY: no RTC
  w.U16(BootArchFlags(config));
  w.U8(0);  // reserved
  // PWR_BUTTON and SLP_BUTTON set mean "no fixed-feature button", the only
  // kind a hardware-reduced platform cannot have.
  w.U32(kFadtHardwareReduced | kFadtPowerButton | kFadtSleepButton | kFadtResetRegSupported);
  WriteGas(w, IoPort8(x86::kAcpiResetPort));  // RESET_REG
  w.U8(x86::kAcpiResetValue);
  w.U16(0);  // ARM_BOOT_ARCH
  w.U8(kFadtMinorVersion);
  w.U64(0);             // X_FIRMWARE_CTRL
  w.U64(dsdt_address);  // X_DSDT
  w.Zeros(8 * 12);      // X_PM1a/b_EVT_BLK, X_PM1a/b_CNT_BLK, X_PM2_CNT_BLK, X_PM_TMR_BLK, X_GPE0/1_BLK
  WriteGas(w, IoPort8(x86::kAcpiSleepControlPort));
  WriteGas(w, IoPort8(x86::kAcpiSleepStatusPort));
  w.Chars("TNYRANGE", 8);  // Hypervisor Vendor Identity
  if (w.size() != kFadtLength) throw std::logic_error("FADT layout is wrong");
  return FinishSdt(std::move(w));
}

}  // namespace tinyrange::acpi
