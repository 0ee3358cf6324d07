// Synthetic kernel images for loader tests: a minimal bzImage header and
// a minimal ELF with PT_LOAD and PVH note, built byte by byte.
#pragma once

#include <asm/bootparam.h>
#include <elf.h>

#include <cstring>
#include <vector>

namespace tinyrange::x86::testing {

inline std::vector<uint8_t> MakeBzImage(uint16_t version = 0x020f, uint16_t xloadflags = XLF_KERNEL_64,
                                        size_t payload = 0x2000, uint32_t init_size = 0x10000) {
  std::vector<uint8_t> image(0x400 + payload, 0);
  setup_header h{};
  h.setup_sects = 1;
  h.boot_flag = 0xaa55;
  h.header = 0x53726448;
  h.version = version;
  h.loadflags = LOADED_HIGH;
  h.initrd_addr_max = 0x7fffffff;
  h.kernel_alignment = 0x200000;
  h.relocatable_kernel = 1;
  h.xloadflags = xloadflags;
  h.cmdline_size = 2047;
  h.pref_address = 0x1000000;
  h.init_size = init_size;
  std::memcpy(image.data() + 0x1f1, &h, sizeof h);
  image[0x200] = 0xeb;
  image[0x201] = static_cast<uint8_t>(0x1f1 + sizeof(setup_header) - 0x202);
  for (size_t i = 0; i < payload; ++i) image[0x400 + i] = static_cast<uint8_t>(i * 7);
  return image;
}

struct ElfOptions {
  uint64_t paddr = 0x200000;
  uint64_t filesz = 0x100;
  uint64_t memsz = 0x1000;
  bool pvh_note = true;
  uint32_t entry = 0x200010;
};

inline std::vector<uint8_t> MakeElf(const ElfOptions& o = {}) {
  const size_t phoff = sizeof(Elf64_Ehdr);
  const size_t note_off = phoff + 2 * sizeof(Elf64_Phdr);
  const size_t note_size = sizeof(Elf64_Nhdr) + 4 + 4;
  const size_t data_off = 0x200;
  std::vector<uint8_t> image(data_off + o.filesz, 0);
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_entry = o.paddr;
  eh.e_phoff = phoff;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 2;
  std::memcpy(image.data(), &eh, sizeof eh);
  Elf64_Phdr load{};
  load.p_type = PT_LOAD;
  load.p_offset = data_off;
  load.p_paddr = load.p_vaddr = o.paddr;
  load.p_filesz = o.filesz;
  load.p_memsz = o.memsz;
  Elf64_Phdr note{};
  note.p_type = PT_NOTE;
  note.p_offset = note_off;
  note.p_filesz = note_size;
  std::memcpy(image.data() + phoff, &load, sizeof load);
  std::memcpy(image.data() + phoff + sizeof load, &note, sizeof note);
  Elf64_Nhdr nh{4, 4, o.pvh_note ? 18u : 1u};
  std::memcpy(image.data() + note_off, &nh, sizeof nh);
  std::memcpy(image.data() + note_off + sizeof nh, "Xen", 4);
  std::memcpy(image.data() + note_off + sizeof nh + 4, &o.entry, 4);
  for (size_t i = 0; i < o.filesz; ++i) image[data_off + i] = static_cast<uint8_t>(0xa0 + i);
  return image;
}

}  // namespace tinyrange::x86::testing
