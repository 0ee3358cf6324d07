// Test helper: reads the tables in a BuildAcpiTables blob back by guest
// address, the way a guest would, so tests check what the guest sees
// instead of trusting the builder's own offsets.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vmm/arch/x86_64/acpi/acpi_tables.h"

namespace tinyrange::acpi::testutil {

uint64_t ReadLe(std::span<const uint8_t> bytes, size_t offset, size_t width);

// The GSI a test gives virtio slot `index`: from kVirtioFirstGsi up,
// skipping the reserved lines.
uint32_t SlotGsi(uint32_t index);
// `cpus` CPUs and `slots` consecutive virtio slots with SlotGsi lines.
AcpiConfig Config(uint32_t cpus, uint32_t slots);

class TableReader {
 public:
  explicit TableReader(const AcpiTables& tables) : tables_(tables) {}

  // The bytes of the table at guest address `address`, by its header's
  // length; fails the current test (and returns empty) if it leaves the blob.
  std::span<const uint8_t> TableAt(uint64_t address) const;
  std::string SignatureAt(uint64_t address) const;
  std::span<const uint8_t> Rsdp() const;

  // The XSDT's entries, the FADT's X_DSDT, and so on.
  std::vector<uint64_t> XsdtEntries() const;
  // The table that an XSDT entry points to with this signature; fails the
  // test if there is not exactly one.
  std::span<const uint8_t> Find(const std::string& signature) const;
  std::span<const uint8_t> Dsdt() const;

  // Every table reachable from the RSDP, with its guest address.
  struct Located {
    uint64_t address;
    std::span<const uint8_t> bytes;
  };
  std::vector<Located> AllTables() const;

 private:
  std::span<const uint8_t> At(uint64_t address, size_t length) const;

  const AcpiTables& tables_;
};

// The MADT's interrupt controller structures, in order.
struct MadtEntry {
  uint8_t type;
  uint8_t length;
  std::span<const uint8_t> bytes;
};
std::vector<MadtEntry> MadtEntries(std::span<const uint8_t> madt);

}  // namespace tinyrange::acpi::testutil
