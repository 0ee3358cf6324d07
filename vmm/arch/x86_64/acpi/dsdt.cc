#include "vmm/arch/x86_64/acpi/dsdt.h"

#include <stdexcept>

#include "vmm/arch/x86_64/acpi/aml_resources.h"
#include "vmm/arch/x86_64/acpi/aml_writer.h"
#include "vmm/arch/x86_64/acpi/sdt.h"
#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {

namespace {

using aml::Bytes;

Bytes SleepStateS5() {
  // SLP_TYPa and SLP_TYPb; a hardware-reduced OS writes SLP_TYPa with
  // SLP_EN to the FADT's sleep control register.
  return aml::Name("\\_S5", aml::Package({aml::Integer(x86::kAcpiS5SleepType), aml::Integer(x86::kAcpiS5SleepType)}));
}

Bytes Com1() {
  aml::ResourceTemplate crs;
  crs.IoPort(x86::kCom1Port, 8).IrqNoFlags(static_cast<uint8_t>(x86::kCom1Irq));
  return aml::Device("COM1", {
                                 aml::Name("_HID", aml::EisaId("PNP0501")),  // 16550A-compatible UART
                                 aml::Name("_UID", aml::Integer(0)),
                                 aml::Name("_CRS", crs.Build()),
                             });
}

Bytes I8042() {
  // The keyboard half only: we emulate no PS/2 mouse, and a PNP0F13 device
  // would make Linux probe the AUX port for nothing.
  aml::ResourceTemplate crs;
  crs.IoPort(x86::kI8042DataPort, 1).IoPort(x86::kI8042CommandPort, 1).IrqNoFlags(1);
  return aml::Device("PS2K", {
                                 aml::Name("_HID", aml::EisaId("PNP0303")),  // IBM enhanced keyboard (8042)
                                 aml::Name("_CRS", crs.Build()),
                             });
}

Bytes VirtioSlot(size_t index, const VirtioMmioSlot& slot) {
  if (slot.base > UINT32_MAX) throw std::invalid_argument("virtio slot " + std::to_string(index) + " lies above 4 GiB");
  aml::ResourceTemplate crs;
  crs.Memory32Fixed(true, static_cast<uint32_t>(slot.base), slot.size);
  // Edge: the device signals through a KVM irqfd, which pulses the line.
  crs.Interrupt(aml::InterruptFlags{}, slot.gsi);
  return aml::Device(VirtioDeviceName(index), {
                                                  aml::Name("_HID", aml::String(kVirtioMmioHid)),
                                                  aml::Name("_UID", aml::Integer(index)),
                                                  // DMA is cache-coherent: guest memory is ordinary host memory.
                                                  aml::Name("_CCA", aml::Integer(1)),
                                                  aml::Name("_CRS", crs.Build()),
                                              });
}

}  // namespace

std::string VirtioDeviceName(size_t index) {
  if (index >= 100) throw std::invalid_argument("virtio device names run out after 100 slots");
  return std::string("VR") + static_cast<char>('0' + index / 10) + static_cast<char>('0' + index % 10);
}

std::vector<uint8_t> BuildDsdt(const AcpiConfig& config) {
  std::vector<Bytes> devices;
  if (config.serial) devices.push_back(Com1());
  if (config.i8042) devices.push_back(I8042());
  for (size_t i = 0; i < config.virtio_slots.size(); ++i) devices.push_back(VirtioSlot(i, config.virtio_slots[i]));

  ByteWriter w = BeginSdt("DSDT", kDsdtRevision, config.oem_id);
  w.Bytes(SleepStateS5());
  w.Bytes(aml::Scope("\\_SB", devices));
  return FinishSdt(std::move(w));
}

}  // namespace tinyrange::acpi
