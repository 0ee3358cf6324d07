#include "vmm/arch/x86_64/kernel_loader.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "vmm/arch/x86_64/layout.h"
#include "vmm/vmm_error.h"

namespace tinyrange::x86 {

namespace {

constexpr uint32_t kHdrSMagic = 0x53726448;  // "HdrS"
constexpr uint64_t kHdrSOffset = 0x202;
constexpr uint64_t kSetupHeaderOffset = 0x1f1;
constexpr uint16_t kMinProtocolFor64BitEntry = 0x020c;
constexpr uint64_t kEntry64Offset = 0x200;
constexpr uint32_t kXenElfNotePhys32Entry = 18;

[[noreturn]] void Fail(const std::string& name, const std::string& problem) {
  throw VmmError("kernel " + name + ": " + problem);
}

template <typename T>
T ReadAt(std::span<const uint8_t> image, uint64_t offset, const std::string& name, const char* what) {
  if (offset > image.size() || sizeof(T) > image.size() - offset) {
    Fail(name, std::string("truncated (") + what + " lies beyond the end of the file)");
  }
  T value;
  std::memcpy(&value, image.data() + offset, sizeof(T));
  return value;
}

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

LoadedKernel LoadBzImage(const GuestMemory& memory, std::span<const uint8_t> image,
                         const std::string& name) {
  if (image.size() < 0x1000) Fail(name, "too small to be a bzImage");
  // The header's length is given by the jump at 0x200: it ends at 0x202 +
  // the jump's displacement byte. Copy no more than our struct holds.
  uint64_t header_end = 0x202 + image[0x201];
  uint64_t header_len = std::min<uint64_t>(header_end - kSetupHeaderOffset, sizeof(setup_header));
  LoadedKernel k{};
  std::memcpy(&k.header, image.data() + kSetupHeaderOffset, header_len);
  const setup_header& h = k.header;
  if (h.version < kMinProtocolFor64BitEntry || !(h.xloadflags & XLF_KERNEL_64)) {
    char v[16];
    std::snprintf(v, sizeof v, "%u.%02u", h.version >> 8, h.version & 0xff);
    Fail(name, std::string("boot protocol ") + v +
                   " has no 64-bit entry point (need 2.12+ with XLF_KERNEL_64); use a newer kernel "
                   "or its vmlinux with CONFIG_PVH=y");
  }
  uint64_t setup_sects = h.setup_sects == 0 ? 4 : h.setup_sects;
  uint64_t pm_offset = (setup_sects + 1) * 512;
  if (pm_offset >= image.size()) Fail(name, "setup_sects points past the end of the file");
  uint64_t pm_size = image.size() - pm_offset;

  uint64_t load = h.pref_address >= kHighMemoryStart ? h.pref_address : kHighMemoryStart;
  if (h.relocatable_kernel && h.kernel_alignment != 0) {
    uint64_t align = h.kernel_alignment;
    if ((align & (align - 1)) != 0) Fail(name, "kernel_alignment is not a power of two");
    load = (load + align - 1) & ~(align - 1);
  }
  uint64_t footprint = std::max<uint64_t>(h.init_size, pm_size);
  if (load + footprint > memory.low_memory_end()) {
    Fail(name, "needs " + std::to_string((load + footprint) >> 20) +
                   " MiB of low memory to decompress; give the VM more memory (--memory)");
  }
  memory.WriteOrThrow(load, image.subspan(pm_offset), "the kernel image");
  k.mode = EntryMode::kLinux64;
  k.entry = load + kEntry64Offset;
  k.start = load;
  k.end = load + footprint;
  // initrd_addr_max is the highest address the initrd may occupy; with
  // XLF_CAN_BE_LOADED_ABOVE_4G it may go anywhere, but we keep it low.
  k.initrd_limit = (h.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) ? (1ULL << 32)
                                                               : static_cast<uint64_t>(h.initrd_addr_max) + 1;
  k.cmdline_limit = h.cmdline_size ? h.cmdline_size : 255;
  return k;
}

std::optional<uint64_t> FindPvhEntry(std::span<const uint8_t> image, uint64_t offset, uint64_t size,
                                     const std::string& name) {
  if (offset > image.size() || size > image.size() - offset) Fail(name, "ELF note segment out of bounds");
  uint64_t pos = offset;
  uint64_t end = offset + size;
  while (end - pos >= sizeof(Elf64_Nhdr)) {
    auto note = ReadAt<Elf64_Nhdr>(image, pos, name, "ELF note");
    uint64_t name_len = (static_cast<uint64_t>(note.n_namesz) + 3) & ~3ULL;
    uint64_t desc_len = (static_cast<uint64_t>(note.n_descsz) + 3) & ~3ULL;
    uint64_t name_at = pos + sizeof(Elf64_Nhdr);
    if (name_len > end - name_at || desc_len > end - name_at - name_len) {
      Fail(name, "ELF note overruns its segment");
    }
    uint64_t desc_at = name_at + name_len;
    bool is_xen = note.n_namesz == 4 && std::memcmp(image.data() + name_at, "Xen", 4) == 0;
    if (is_xen && note.n_type == kXenElfNotePhys32Entry) {
      if (note.n_descsz == 4) return ReadAt<uint32_t>(image, desc_at, name, "PVH entry");
      if (note.n_descsz == 8) return ReadAt<uint64_t>(image, desc_at, name, "PVH entry");
      Fail(name, "PVH entry note has an unexpected size");
    }
    pos = desc_at + desc_len;
  }
  return std::nullopt;
}

LoadedKernel LoadElf(const GuestMemory& memory, std::span<const uint8_t> image, const std::string& name) {
  auto eh = ReadAt<Elf64_Ehdr>(image, 0, name, "ELF header");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) Fail(name, "is not a 64-bit ELF file");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
    Fail(name, "is not an x86_64 ELF file");
  }
  if (eh.e_phentsize != sizeof(Elf64_Phdr)) Fail(name, "has an unexpected program header size");
  if (eh.e_phnum == 0) Fail(name, "has no program headers");

  LoadedKernel k{};
  k.mode = EntryMode::kPvh32;
  k.start = UINT64_MAX;
  k.end = 0;
  std::optional<uint64_t> entry;
  for (uint64_t i = 0; i < eh.e_phnum; ++i) {
    auto ph = ReadAt<Elf64_Phdr>(image, eh.e_phoff + i * sizeof(Elf64_Phdr), name, "program header");
    if (ph.p_type == PT_NOTE && !entry) {
      entry = FindPvhEntry(image, ph.p_offset, ph.p_filesz, name);
    }
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz) Fail(name, "a PT_LOAD segment's file size exceeds its memory size");
    if (ph.p_offset > image.size() || ph.p_filesz > image.size() - ph.p_offset) {
      Fail(name, "a PT_LOAD segment lies beyond the end of the file");
    }
    if (ph.p_paddr < kHighMemoryStart || !memory.IsRam(ph.p_paddr, ph.p_memsz)) {
      Fail(name, "segment at physical address " + Hex(ph.p_paddr) + " (" + std::to_string(ph.p_memsz) +
                     " bytes) is outside guest RAM above 1 MiB; give the VM more memory (--memory)");
    }
    memory.WriteOrThrow(ph.p_paddr, image.subspan(ph.p_offset, ph.p_filesz), "an ELF segment");
    // Memory is fresh and zero, but a segment may overlap an earlier one.
    std::memset(memory.HostAddress(ph.p_paddr + ph.p_filesz, 0), 0, ph.p_memsz - ph.p_filesz);
    k.start = std::min(k.start, ph.p_paddr);
    k.end = std::max(k.end, ph.p_paddr + ph.p_memsz);
  }
  if (!entry) {
    Fail(name, "is an ELF file without a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); build the kernel "
               "with CONFIG_PVH=y, or boot its bzImage");
  }
  if (k.end == 0) Fail(name, "has no loadable segments");
  k.entry = *entry;
  if (!memory.IsRam(k.entry, 1)) Fail(name, "PVH entry point " + Hex(k.entry) + " is not in guest RAM");
  return k;
}

}  // namespace

KernelFormat DetectKernelFormat(std::span<const uint8_t> image) {
  if (image.size() >= 4 && std::memcmp(image.data(), ELFMAG, SELFMAG) == 0) return KernelFormat::kElf;
  if (image.size() >= kHdrSOffset + 4) {
    uint32_t magic;
    std::memcpy(&magic, image.data() + kHdrSOffset, 4);
    if (magic == kHdrSMagic) return KernelFormat::kBzImage;
  }
  return KernelFormat::kUnknown;
}

bool ElfHasPvhEntry(std::span<const uint8_t> image, const std::string& name) {
  if (DetectKernelFormat(image) != KernelFormat::kElf) return false;
  auto eh = ReadAt<Elf64_Ehdr>(image, 0, name, "ELF header");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr)) return false;
  for (uint64_t i = 0; i < eh.e_phnum; ++i) {
    auto ph = ReadAt<Elf64_Phdr>(image, eh.e_phoff + i * sizeof(Elf64_Phdr), name, "program header");
    if (ph.p_type == PT_NOTE && FindPvhEntry(image, ph.p_offset, ph.p_filesz, name)) return true;
  }
  return false;
}

LoadedKernel LoadKernel(const GuestMemory& memory, std::span<const uint8_t> image, const std::string& name) {
  switch (DetectKernelFormat(image)) {
    case KernelFormat::kBzImage:
      return LoadBzImage(memory, image, name);
    case KernelFormat::kElf:
      return LoadElf(memory, image, name);
    case KernelFormat::kUnknown:
      break;
  }
  Fail(name, "is neither a bzImage (no \"HdrS\" magic at 0x202) nor an ELF file");
}

}  // namespace tinyrange::x86
