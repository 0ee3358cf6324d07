#include "vmm/arch/x86_64/acpi/table_reader.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace tinyrange::acpi::testutil {

uint32_t SlotGsi(uint32_t index) { return VirtioSlotGsi(index); }

AcpiConfig Config(uint32_t cpus, uint32_t slots) {
  AcpiConfig config;
  config.cpu_count = cpus;
  for (uint32_t i = 0; i < slots; ++i) {
    config.virtio_slots.push_back({x86::kVirtioMmioBase + i * x86::kVirtioMmioSlotSize,
                                   static_cast<uint32_t>(x86::kVirtioMmioSlotSize), SlotGsi(i)});
  }
  return config;
}

uint64_t ReadLe(std::span<const uint8_t> bytes, size_t offset, size_t width) {
  uint64_t v = 0;
  if (offset + width > bytes.size()) {
    ADD_FAILURE() << "read of " << width << " bytes at " << offset << " past the end (" << bytes.size() << ")";
    return 0;
  }
  for (size_t i = 0; i < width; ++i) v |= uint64_t{bytes[offset + i]} << (8 * i);
  return v;
}

std::span<const uint8_t> TableReader::At(uint64_t address, size_t length) const {
  if (address < tables_.address || address - tables_.address + length > tables_.bytes.size()) {
    ADD_FAILURE() << "pointer 0x" << std::hex << address << " (+" << std::dec << length << ") is outside the blob at 0x"
                  << std::hex << tables_.address;
    return {};
  }
  return std::span(tables_.bytes).subspan(address - tables_.address, length);
}

std::span<const uint8_t> TableReader::TableAt(uint64_t address) const {
  auto header = At(address, 36);
  if (header.empty()) return {};
  return At(address, ReadLe(header, 4, 4));
}

std::string TableReader::SignatureAt(uint64_t address) const {
  auto header = At(address, 4);
  return header.empty() ? "" : std::string(header.begin(), header.end());
}

std::span<const uint8_t> TableReader::Rsdp() const { return At(tables_.rsdp_address, 36); }

std::vector<uint64_t> TableReader::XsdtEntries() const {
  auto rsdp = Rsdp();
  if (rsdp.empty()) return {};
  auto xsdt = TableAt(ReadLe(rsdp, 24, 8));
  std::vector<uint64_t> entries;
  for (size_t off = 36; off + 8 <= xsdt.size(); off += 8) entries.push_back(ReadLe(xsdt, off, 8));
  return entries;
}

std::span<const uint8_t> TableReader::Find(const std::string& signature) const {
  std::span<const uint8_t> found;
  int count = 0;
  for (uint64_t address : XsdtEntries()) {
    if (SignatureAt(address) == signature) {
      found = TableAt(address);
      ++count;
    }
  }
  if (count != 1) ADD_FAILURE() << "XSDT has " << count << " tables with signature " << signature;
  return count == 1 ? found : std::span<const uint8_t>{};
}

std::span<const uint8_t> TableReader::Dsdt() const {
  auto fadt = Find("FACP");
  if (fadt.empty()) return {};
  return TableAt(ReadLe(fadt, 140, 8));
}

std::vector<TableReader::Located> TableReader::AllTables() const {
  std::vector<Located> all;
  auto rsdp = Rsdp();
  if (rsdp.empty()) return all;
  uint64_t xsdt_at = ReadLe(rsdp, 24, 8);
  all.push_back({xsdt_at, TableAt(xsdt_at)});
  for (uint64_t address : XsdtEntries()) {
    all.push_back({address, TableAt(address)});
    if (SignatureAt(address) == "FACP") {
      uint64_t dsdt_at = ReadLe(TableAt(address), 140, 8);
      all.push_back({dsdt_at, TableAt(dsdt_at)});
    }
  }
  return all;
}

std::vector<MadtEntry> MadtEntries(std::span<const uint8_t> madt) {
  std::vector<MadtEntry> entries;
  size_t off = 44;
  while (off + 2 <= madt.size()) {
    uint8_t type = madt[off];
    uint8_t length = madt[off + 1];
    if (length < 2 || off + length > madt.size()) {
      ADD_FAILURE() << "malformed MADT entry at offset " << off;
      break;
    }
    entries.push_back({type, length, madt.subspan(off, length)});
    off += length;
  }
  if (off != madt.size()) ADD_FAILURE() << "MADT entries do not end at the table's end";
  return entries;
}

}  // namespace tinyrange::acpi::testutil
