#include "vmm/arch/x86_64/acpi/sdt.h"

namespace tinyrange::acpi {

uint8_t ByteSum(std::span<const uint8_t> bytes) {
  uint8_t sum = 0;
  for (uint8_t b : bytes) sum = static_cast<uint8_t>(sum + b);
  return sum;
}

ByteWriter BeginSdt(std::string_view signature, uint8_t revision, std::string_view oem_id) {
  ByteWriter w;
  w.Chars(signature, 4);
  w.U32(0);  // length, patched by FinishSdt
  w.U8(revision);
  w.U8(0);  // checksum, patched by FinishSdt
  w.Chars(oem_id, 6);
  w.Chars(kOemTableId, 8);
  w.U32(kOemRevision);
  w.Chars(kCreatorId, 4);
  w.U32(kCreatorRevision);
  return w;
}

std::vector<uint8_t> FinishSdt(ByteWriter table) {
  table.Patch32(kSdtLengthOffset, static_cast<uint32_t>(table.size()));
  table.Patch8(kSdtChecksumOffset, static_cast<uint8_t>(-ByteSum(table.bytes())));
  return table.Take();
}

GenericAddress IoPort8(uint16_t port) { return {kAddressSpaceSystemIo, 8, 0, kAccessSizeByte, port}; }

void WriteGas(ByteWriter& out, const GenericAddress& gas) {
  out.U8(gas.address_space);
  out.U8(gas.bit_width);
  out.U8(gas.bit_offset);
  out.U8(gas.access_size);
  out.U64(gas.address);
}

}  // namespace tinyrange::acpi
