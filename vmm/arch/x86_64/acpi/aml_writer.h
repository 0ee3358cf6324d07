// An encoder for the small part of AML (ACPI Machine Language, ACPI 6.x
// section 20) that our DSDT needs. Each function returns the byte code of
// one term; terms nest by passing the bytes of their children, which is how
// every enclosing package learns its length before its PkgLength is written.
//
// Names follow ASL spelling: a path is an optional root prefix '\' or a run
// of parent prefixes '^', then NameSegs joined by '.'. A NameSeg is one to
// four characters, the first 'A'-'Z' or '_', the rest also '0'-'9', and is
// padded with '_' to four ("_SB" becomes "_SB_"). Anything else throws
// std::invalid_argument, so a typo fails the build of the tables rather
// than producing AML that the guest rejects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tinyrange::acpi::aml {

using Bytes = std::vector<uint8_t>;

// The largest value a PkgLength can hold (28 bits).
inline constexpr size_t kMaxPkgLength = (size_t{1} << 28) - 1;

// Encodes a PkgLength of the given value, in the shortest form that holds
// it: one byte up to 63, then two, three or four bytes.
Bytes PkgLength(size_t value);
// Prefixes `body` with the PkgLength that counts both itself and `body`, as
// every Scope, Device, Method, Package and Buffer requires.
Bytes WithPkgLength(const Bytes& body);

Bytes NameSeg(std::string_view seg);
Bytes NameString(std::string_view path);

// ZeroOp, OneOp, or the smallest of Byte/Word/DWord/QWord constants.
Bytes Integer(uint64_t value);
// OnesOp: all bits set, 64 of them in a revision-2 DSDT.
Bytes Ones();
// A NUL-terminated ASCII string (1..0x7f, no NUL inside).
Bytes String(std::string_view text);
// A compressed EISA ID such as "PNP0501" as a DWord, ASL's EisaId().
Bytes EisaId(std::string_view id);
// A buffer initialized with `data`; its size is data.size().
Bytes Buffer(const Bytes& data);
// A package of up to 255 data objects.
Bytes Package(const std::vector<Bytes>& elements);

Bytes Name(std::string_view path, const Bytes& object);
Bytes Scope(std::string_view path, const std::vector<Bytes>& terms);
Bytes Device(std::string_view path, const std::vector<Bytes>& terms);
// A method of arg_count (0..7) arguments, sync level 0.
Bytes Method(std::string_view path, uint8_t arg_count, bool serialized, const std::vector<Bytes>& terms);
Bytes Return(const Bytes& value);

}  // namespace tinyrange::acpi::aml
