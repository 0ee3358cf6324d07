#include "vmm/arch/x86_64/acpi/aml_resources.h"

#include <stdexcept>

#include "vmm/arch/x86_64/acpi/sdt.h"

namespace tinyrange::acpi::aml {

namespace {

// Small descriptors: one byte holding (type << 3) | body length. Large
// descriptors: 0x80 | type, then a 16-bit body length.
constexpr uint8_t SmallTag(uint8_t type, uint8_t length) { return static_cast<uint8_t>((type << 3) | length); }
constexpr uint8_t kIrqTag = SmallTag(0x04, 2);  // IRQ without the flags byte
constexpr uint8_t kIoTag = SmallTag(0x08, 7);
constexpr uint8_t kEndTag = SmallTag(0x0f, 1);
constexpr uint8_t kMemory32FixedTag = 0x86;
constexpr uint8_t kExtendedInterruptTag = 0x89;

constexpr uint8_t kIoDecode16 = 0x01;

}  // namespace

void ResourceTemplate::Append(const ByteWriter& descriptor) {
  data_.insert(data_.end(), descriptor.bytes().begin(), descriptor.bytes().end());
}

ResourceTemplate& ResourceTemplate::Io(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length) {
  if (max < min) throw std::invalid_argument("IO descriptor: maximum base below minimum base");
  ByteWriter w;
  w.U8(kIoTag);
  w.U8(kIoDecode16);
  w.U16(min);
  w.U16(max);
  w.U8(alignment);
  w.U8(length);
  Append(w);
  return *this;
}

ResourceTemplate& ResourceTemplate::IrqNoFlags(uint8_t irq) {
  if (irq > 15) throw std::invalid_argument("IRQ descriptor: ISA IRQs are 0..15");
  ByteWriter w;
  w.U8(kIrqTag);
  w.U16(static_cast<uint16_t>(1u << irq));  // a mask of the IRQs the device may use
  Append(w);
  return *this;
}

ResourceTemplate& ResourceTemplate::Memory32Fixed(bool read_write, uint32_t base, uint32_t length) {
  if (uint64_t{base} + length > (uint64_t{1} << 32)) {
    throw std::invalid_argument("Memory32Fixed descriptor: range crosses 4 GiB");
  }
  ByteWriter w;
  w.U8(kMemory32FixedTag);
  w.U16(9);
  w.U8(read_write ? 1 : 0);
  w.U32(base);
  w.U32(length);
  Append(w);
  return *this;
}

ResourceTemplate& ResourceTemplate::Interrupt(const InterruptFlags& flags, std::span<const uint32_t> gsis) {
  if (gsis.empty() || gsis.size() > 255) throw std::invalid_argument("Interrupt descriptor: 1 to 255 interrupts");
  ByteWriter w;
  w.U8(kExtendedInterruptTag);
  w.U16(static_cast<uint16_t>(2 + 4 * gsis.size()));  // flags, count, table; no ResourceSource
  w.U8(static_cast<uint8_t>((flags.consumer ? 0x01 : 0) | (flags.edge ? 0x02 : 0) | (flags.active_low ? 0x04 : 0) |
                            (flags.shared ? 0x08 : 0) | (flags.wake_capable ? 0x10 : 0)));
  w.U8(static_cast<uint8_t>(gsis.size()));
  for (uint32_t gsi : gsis) w.U32(gsi);
  Append(w);
  return *this;
}

Bytes ResourceTemplate::Data() const {
  Bytes out = data_;
  out.push_back(kEndTag);
  out.push_back(static_cast<uint8_t>(-ByteSum(out)));
  return out;
}

}  // namespace tinyrange::acpi::aml
