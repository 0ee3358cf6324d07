// ResourceTemplate: the resource descriptors (ACPI 6.x section 6.4) that a
// device's _CRS returns, packed into an AML Buffer and terminated by an End
// Tag. Only the descriptors our devices use are provided.
#pragma once

#include <cstdint>
#include <span>

#include "vmm/arch/x86_64/acpi/aml_writer.h"
#include "vmm/arch/x86_64/acpi/byte_writer.h"

namespace tinyrange::acpi::aml {

// Flags of an Extended Interrupt descriptor. The defaults are what a
// virtio-mmio device signals through a KVM irqfd: an edge, active high, on
// a line it owns.
struct InterruptFlags {
  bool consumer = true;  // ResourceConsumer (the device uses the interrupt)
  bool edge = true;
  bool active_low = false;
  bool shared = false;
  bool wake_capable = false;
};

class ResourceTemplate {
 public:
  // IO(Decode16, min, max, alignment, length): an I/O port range that
  // decodes all 16 address bits.
  ResourceTemplate& Io(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length);
  // A fixed I/O range, shorthand for Io(port, port, 1, length).
  ResourceTemplate& IoPort(uint16_t port, uint8_t length) { return Io(port, port, 1, length); }
  // IRQNoFlags(){irq}: an ISA interrupt (0..15), edge, active high,
  // exclusive, which is what the ISA-era devices on our platform raise.
  ResourceTemplate& IrqNoFlags(uint8_t irq);
  ResourceTemplate& Memory32Fixed(bool read_write, uint32_t base, uint32_t length);
  // Interrupt(...){gsis}: one or more (up to 255) global system interrupts.
  ResourceTemplate& Interrupt(const InterruptFlags& flags, std::span<const uint32_t> gsis);
  ResourceTemplate& Interrupt(const InterruptFlags& flags, uint32_t gsi) { return Interrupt(flags, {&gsi, 1}); }

  // The descriptors followed by an End Tag, whose checksum byte makes the
  // whole resource data sum to zero.
  Bytes Data() const;
  // The AML Buffer object holding Data(), ready to be a Name's value.
  Bytes Build() const { return Buffer(Data()); }

 private:
  void Append(const ByteWriter& descriptor);

  Bytes data_;
};

}  // namespace tinyrange::acpi::aml
