#include "vmm/arch/x86_64/acpi/acpi_tables.h"

#include <algorithm>
#include <cstdio>
#include <span>
#include <stdexcept>
#include <string>

#include "vmm/arch/x86_64/acpi/dsdt.h"
#include "vmm/arch/x86_64/acpi/fadt.h"
#include "vmm/arch/x86_64/acpi/madt.h"
#include "vmm/arch/x86_64/acpi/sdt.h"
#include "vmm/arch/x86_64/layout.h"

namespace tinyrange::acpi {

namespace {

constexpr size_t kRsdpLength = 36;
constexpr size_t kRsdpV1ChecksumLength = 20;  // the ACPI 1.0 part
constexpr size_t kRsdpChecksumOffset = 8;
constexpr size_t kRsdpExtendedChecksumOffset = 32;
constexpr uint8_t kRsdpRevision = 2;
constexpr uint8_t kXsdtRevision = 1;
// A kernel that scans for the RSDP looks only at 16-byte boundaries; we
// align every table the same way.
constexpr uint64_t kAlignment = 16;

uint64_t AlignUp(uint64_t v) { return (v + kAlignment - 1) & ~(kAlignment - 1); }

std::string Hex(uint64_t v) {
  char buf[19];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::vector<uint8_t> BuildRsdp(const AcpiConfig& config, uint64_t xsdt_address) {
  ByteWriter w;
  w.Chars("RSD PTR ", 8);
  w.U8(0);  // checksum of the first 20 bytes, below
  w.Chars(config.oem_id, 6);
  w.U8(kRsdpRevision);
  // RsdtAddress: none. Every OS that reads a revision-2 RSDP uses the XSDT,
  // and one root table cannot disagree with another.
  w.U32(0);
  w.U32(kRsdpLength);
  w.U64(xsdt_address);
  w.U8(0);  // extended checksum of all 36 bytes, below
  w.Zeros(3);
  w.Patch8(kRsdpChecksumOffset, static_cast<uint8_t>(-ByteSum(std::span(w.bytes()).first(kRsdpV1ChecksumLength))));
  w.Patch8(kRsdpExtendedChecksumOffset, static_cast<uint8_t>(-ByteSum(w.bytes())));
  return w.Take();
}

std::vector<uint8_t> BuildXsdt(const AcpiConfig& config, const std::vector<uint64_t>& entries) {
  ByteWriter w = BeginSdt("XSDT", kXsdtRevision, config.oem_id);
  for (uint64_t address : entries) w.U64(address);
  return FinishSdt(std::move(w));
}

}  // namespace

AcpiTables BuildAcpiTables(const AcpiConfig& config) {
  ValidateAcpiConfig(config);
  const uint64_t base = config.tables_address;
  if (base % kAlignment != 0 || base < x86::kAcpiTablesStart || base >= x86::kAcpiTablesEnd) {
    throw std::invalid_argument("ACPI config: tables_address " + Hex(base) + " must be 16-byte aligned and in [" +
                                Hex(x86::kAcpiTablesStart) + ", " + Hex(x86::kAcpiTablesEnd) + ")");
  }

  // The MADT and DSDT do not depend on where anything is, so build them
  // first; then their sizes fix every address the RSDP, XSDT and FADT need.
  // The RSDP goes first so that a scan from kAcpiTablesStart finds it at once.
  std::vector<uint8_t> madt = BuildMadt(config);
  std::vector<uint8_t> dsdt = BuildDsdt(config);
  constexpr size_t kXsdtEntries = 2;  // FADT, MADT
  const uint64_t rsdp_at = base;
  const uint64_t xsdt_at = AlignUp(rsdp_at + kRsdpLength);
  const uint64_t fadt_at = AlignUp(xsdt_at + kSdtHeaderSize + 8 * kXsdtEntries);
  const uint64_t madt_at = AlignUp(fadt_at + kFadtLength);
  const uint64_t dsdt_at = AlignUp(madt_at + madt.size());
  const uint64_t end = dsdt_at + dsdt.size();
  if (end > x86::kAcpiTablesEnd) {
    throw std::invalid_argument("ACPI tables for " + std::to_string(config.cpu_count) + " CPUs and " +
                                std::to_string(config.virtio_slots.size()) + " virtio slots need " +
                                std::to_string(end - base) + " bytes at " + Hex(base) + ", but only " +
                                std::to_string(x86::kAcpiTablesEnd - base) + " fit below " + Hex(x86::kAcpiTablesEnd));
  }

  AcpiTables tables;
  tables.address = base;
  tables.rsdp_address = rsdp_at;
  tables.bytes.assign(end - base, 0);
  auto place = [&](uint64_t at, const std::vector<uint8_t>& table) {
    std::copy(table.begin(), table.end(), tables.bytes.begin() + static_cast<ptrdiff_t>(at - base));
  };
  place(rsdp_at, BuildRsdp(config, xsdt_at));
  place(xsdt_at, BuildXsdt(config, {fadt_at, madt_at}));
  place(fadt_at, BuildFadt(config, dsdt_at));
  place(madt_at, madt);
  place(dsdt_at, dsdt);
  return tables;
}

}  // namespace tinyrange::acpi
