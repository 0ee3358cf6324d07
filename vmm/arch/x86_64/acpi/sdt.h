// Pieces shared by every System Description Table: the 36-byte header,
// the checksum rule, and the Generic Address Structure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/arch/x86_64/acpi/byte_writer.h"

namespace tinyrange::acpi {

inline constexpr size_t kSdtHeaderSize = 36;
inline constexpr size_t kSdtLengthOffset = 4;
inline constexpr size_t kSdtChecksumOffset = 9;

// Identity written into every header. The OEM ID comes from the config; the
// rest names tinyrange so that a guest's table dump says who built them.
inline constexpr std::string_view kOemTableId = "TNYRANGE";
inline constexpr uint32_t kOemRevision = 1;
inline constexpr std::string_view kCreatorId = "TNYR";
inline constexpr uint32_t kCreatorRevision = 1;

// The sum of all bytes modulo 256; a valid table sums to zero.
uint8_t ByteSum(std::span<const uint8_t> bytes);

// Starts a table: writes the header with zero length and checksum, which
// FinishSdt fills in once the body is complete.
ByteWriter BeginSdt(std::string_view signature, uint8_t revision, std::string_view oem_id);
std::vector<uint8_t> FinishSdt(ByteWriter table);

// ACPI Generic Address Structure (12 bytes).
struct GenericAddress {
  uint8_t address_space;
  uint8_t bit_width;
  uint8_t bit_offset;
  uint8_t access_size;  // 0 undefined, 1 byte, 2 word, 3 dword, 4 qword
  uint64_t address;
};

inline constexpr uint8_t kAddressSpaceSystemIo = 1;
inline constexpr uint8_t kAccessSizeByte = 1;

// A one-byte register in I/O port space, accessed with byte accesses.
GenericAddress IoPort8(uint16_t port);
void WriteGas(ByteWriter& out, const GenericAddress& gas);

}  // namespace tinyrange::acpi
