#include "vmm/arch/x86_64/acpi/acpi_config.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace tinyrange::acpi {

namespace {

std::string Hex(uint64_t v) {
  char buf[19];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

struct Window {
  uint64_t base;
  uint64_t size;
  const char* what;
};

// Fixed windows inside the MMIO hole that a slot must leave alone.
constexpr Window kFixedWindows[] = {
    {x86::kIoapicAddress, 0x1000, "the IOAPIC"},
    {x86::kLapicAddress, 0x1000, "the local APIC"},
    {x86::kIdentityMapAddress, 0x4000, "KVM's identity-map and TSS pages"},
};

bool Overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) { return a < b + b_size && b < a + a_size; }

[[noreturn]] void Invalid(const std::string& message) { throw std::invalid_argument("ACPI config: " + message); }

void ValidateSlot(const AcpiConfig& config, size_t index) {
  const VirtioMmioSlot& slot = config.virtio_slots[index];
  std::string name = "virtio slot " + std::to_string(index) + " (" + Hex(slot.base) + ")";
  if (slot.size == 0) Invalid(name + " has size 0");
  // The DSDT describes the window with Memory32Fixed, and our memory map
  // keeps devices in the 32-bit hole below 4 GiB, away from RAM.
  if (slot.base < x86::kMmioHoleStart || slot.base > x86::kMmioHoleEnd || slot.size > x86::kMmioHoleEnd - slot.base) {
    Invalid(name + " of size " + Hex(slot.size) + " lies outside the MMIO hole [" + Hex(x86::kMmioHoleStart) + ", " +
            Hex(x86::kMmioHoleEnd) + ")");
  }
  for (const auto& w : kFixedWindows) {
    if (Overlaps(slot.base, slot.size, w.base, w.size)) Invalid(name + " overlaps " + w.what);
  }
  for (size_t j = 0; j < index; ++j) {
    const VirtioMmioSlot& other = config.virtio_slots[j];
    if (Overlaps(slot.base, slot.size, other.base, other.size)) {
      Invalid(name + " overlaps virtio slot " + std::to_string(j) + " (" + Hex(other.base) + ")");
    }
    // Each slot's interrupt is declared Exclusive, so lines cannot be shared.
    if (slot.gsi == other.gsi) {
      Invalid(name + " uses GSI " + std::to_string(slot.gsi) + ", already used by virtio slot " + std::to_string(j));
    }
  }
  if (slot.gsi >= x86::kIoapicGsiCount) {
    Invalid(name + " uses GSI " + std::to_string(slot.gsi) + " but the IOAPIC has only " +
            std::to_string(x86::kIoapicGsiCount) + " inputs");
  }
  if (std::ranges::find(kReservedGsis, slot.gsi) != std::end(kReservedGsis)) {
    Invalid(name + " uses GSI " + std::to_string(slot.gsi) +
            ", which is reserved for the PIT, the i8042 or COM1 (use " + std::to_string(x86::kVirtioFirstGsi) + ".." +
            std::to_string(x86::kIoapicGsiCount - 1) + ")");
  }
}

}  // namespace

uint32_t VirtioSlotGsi(uint32_t index) {
  uint32_t gsi = x86::kVirtioFirstGsi;
  for (uint32_t i = 0;; ++gsi) {
    if (std::find(std::begin(kReservedGsis), std::end(kReservedGsis), gsi) != std::end(kReservedGsis)) continue;
    if (i++ == index) return gsi;
  }
}

void ValidateAcpiConfig(const AcpiConfig& config) {
  if (config.cpu_count == 0) Invalid("cpu_count must be at least 1");
  if (config.oem_id.empty() || config.oem_id.size() > 6) {
    Invalid("oem_id \"" + config.oem_id + "\" must have 1 to 6 characters");
  }
  for (char c : config.oem_id) {
    if (c < 0x20 || c > 0x7e) Invalid("oem_id must be printable ASCII");
  }
  if (config.virtio_slots.size() > x86::kVirtioMmioMaxSlots) {
    Invalid(std::to_string(config.virtio_slots.size()) + " virtio slots requested, at most " +
            std::to_string(x86::kVirtioMmioMaxSlots) + " are supported");
  }
  for (size_t i = 0; i < config.virtio_slots.size(); ++i) ValidateSlot(config, i);
}

}  // namespace tinyrange::acpi
