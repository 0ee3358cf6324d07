#include "builder/build/module_info.h"

#include <cstdint>
#include <cstring>

#include "builder/build/definition.h"

namespace tinyrange::build {

namespace {

// Offsets in the ELF64 file header and section header (System V gABI).
constexpr size_t kShoff = 0x28, kShentsize = 0x3a, kShnum = 0x3c, kShstrndx = 0x3e;
constexpr size_t kSectionName = 0x00, kSectionOffset = 0x18, kSectionSize = 0x20;
constexpr size_t kSectionHeaderSize = 0x40;

template <typename T>
T Load(std::string_view bytes, uint64_t offset, const std::string& what) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) {
    throw BuildError(what + ": truncated ELF file (offset " + std::to_string(offset) + ")");
  }
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);  // little-endian hosts only (x86_64)
  return value;
}

std::string_view Slice(std::string_view bytes, uint64_t offset, uint64_t size, const std::string& what) {
  if (offset > bytes.size() || size > bytes.size() - offset) {
    throw BuildError(what + ": an ELF section lies outside the file");
  }
  return bytes.substr(offset, size);
}

}  // namespace

std::vector<std::string> ModuleDependencies(std::string_view elf, const std::string& what) {
  if (elf.size() < 0x40 || std::memcmp(elf.data(), "\x7f" "ELF", 4) != 0 || elf[4] != 2 || elf[5] != 1) {
    throw BuildError(what + ": not a little-endian ELF64 kernel module");
  }
  uint64_t shoff = Load<uint64_t>(elf, kShoff, what);
  uint16_t shentsize = Load<uint16_t>(elf, kShentsize, what);
  uint16_t shnum = Load<uint16_t>(elf, kShnum, what);
  uint16_t shstrndx = Load<uint16_t>(elf, kShstrndx, what);
  if (shentsize != kSectionHeaderSize || shstrndx >= shnum) throw BuildError(what + ": bad ELF section table");
  auto header = [&](uint64_t index) { return shoff + index * kSectionHeaderSize; };
  std::string_view names = Slice(elf, Load<uint64_t>(elf, header(shstrndx) + kSectionOffset, what),
                                 Load<uint64_t>(elf, header(shstrndx) + kSectionSize, what), what);
  for (uint64_t i = 0; i < shnum; ++i) {
    uint32_t name_offset = Load<uint32_t>(elf, header(i) + kSectionName, what);
    if (name_offset >= names.size()) continue;
    std::string_view name = names.substr(name_offset);
    name = name.substr(0, name.find('\0'));
    if (name != ".modinfo") continue;
    std::string_view info = Slice(elf, Load<uint64_t>(elf, header(i) + kSectionOffset, what),
                                  Load<uint64_t>(elf, header(i) + kSectionSize, what), what);
    std::vector<std::string> depends;
    while (!info.empty()) {
      size_t end = info.find('\0');
      std::string_view entry = info.substr(0, end);
      if (entry.rfind("depends=", 0) == 0) {
        std::string_view list = entry.substr(8);
        while (!list.empty()) {
          size_t comma = list.find(',');
          if (comma != 0) depends.emplace_back(list.substr(0, comma));
          if (comma == std::string_view::npos) break;
          list.remove_prefix(comma + 1);
        }
      }
      if (end == std::string_view::npos) break;
      info.remove_prefix(end + 1);
    }
    return depends;
  }
  throw BuildError(what + ": no .modinfo section (not a kernel module?)");
}

}  // namespace tinyrange::build
