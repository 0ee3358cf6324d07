#include "vmm/arch/x86_64/boot_loader.h"

#include <asm/bootparam.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "vmm/arch/x86_64/e820.h"
#include "vmm/arch/x86_64/kernel_loader.h"
#include "vmm/arch/x86_64/layout.h"
#include "vmm/read_file.h"
#include "vmm/scoped_fd.h"
#include "vmm/vmm_error.h"

namespace tinyrange::x86 {

namespace {

constexpr uint64_t kInitrdPartAlignment = 4;
constexpr uint64_t kPageSize = 4096;

uint64_t PartSize(const InitrdPart& part) {
  if (part.path.empty()) return part.bytes.size();
  struct stat st;
  if (stat(part.path.c_str(), &st) < 0) ThrowErrno("cannot open initrd " + part.path);
  if (!S_ISREG(st.st_mode)) throw VmmError("initrd " + part.path + " is not a regular file");
  return static_cast<uint64_t>(st.st_size);
}

// Reads a file straight into guest memory, with no intermediate copy.
void ReadFileInto(const GuestMemory& memory, uint64_t address, uint64_t size, const std::string& path) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) ThrowErrno("cannot open initrd " + path);
  uint8_t* dest = memory.HostAddress(address, size);
  if (!dest) throw VmmError("initrd " + path + " does not fit in guest memory");
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = read(fd.get(), dest + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ThrowErrno("cannot read initrd " + path);
    if (n == 0) throw VmmError("initrd " + path + " shrank while being read");
    done += static_cast<uint64_t>(n);
  }
}

struct PlacedInitrd {
  uint64_t address = 0;
  uint64_t size = 0;
};

PlacedInitrd PlaceInitrd(const GuestMemory& memory, const LoadedKernel& kernel,
                         const std::vector<InitrdPart>& parts) {
  if (parts.empty()) return {};
  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  for (const auto& part : parts) {
    total = (total + kInitrdPartAlignment - 1) & ~(kInitrdPartAlignment - 1);
    sizes.push_back(PartSize(part));
    total += sizes.back();
  }
  // As high as the kernel allows, like boot loaders do, leaving the low
  // memory above the kernel free for its decompression and early use.
  uint64_t limit = std::min(std::min(memory.low_memory_end(), kernel.initrd_limit), kMmioHoleStart);
  if (total > limit || ((limit - total) & ~(kPageSize - 1)) < kernel.end) {
    throw VmmError("the initrd (" + std::to_string(total >> 20) + " MiB) does not fit between the kernel and " +
                   std::to_string(limit >> 20) + " MiB; give the VM more memory (--memory)");
  }
  uint64_t address = (limit - total) & ~(kPageSize - 1);
  uint64_t offset = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    offset = (offset + kInitrdPartAlignment - 1) & ~(kInitrdPartAlignment - 1);
    if (parts[i].path.empty()) {
      memory.WriteOrThrow(address + offset, parts[i].bytes, "the initrd");
    } else {
      ReadFileInto(memory, address + offset, sizes[i], parts[i].path);
    }
    offset += sizes[i];
  }
  return {address, total};
}

void WriteCmdline(const GuestMemory& memory, const std::string& cmdline, uint64_t limit) {
  uint64_t max = std::min(limit, kCmdlineMaxSize - 1);
  if (cmdline.size() > max) {
    throw VmmError("the kernel command line is " + std::to_string(cmdline.size()) +
                   " bytes; this kernel accepts at most " + std::to_string(max));
  }
  std::vector<uint8_t> bytes(cmdline.begin(), cmdline.end());
  bytes.push_back(0);
  memory.WriteOrThrow(kCmdlineAddress, bytes, "the kernel command line");
}

uint64_t WriteZeroPage(const GuestMemory& memory, const LoadedKernel& kernel, const PlacedInitrd& initrd,
                       uint64_t rsdp) {
  auto params = std::make_unique<boot_params>();
  std::memset(params.get(), 0, sizeof(boot_params));
  params->hdr = kernel.header;
  params->hdr.type_of_loader = 0xff;  // "undefined" boot loader
  params->hdr.vid_mode = 0xffff;      // normal video mode; there is no video
  params->hdr.cmd_line_ptr = static_cast<uint32_t>(kCmdlineAddress);
  params->ext_cmd_line_ptr = static_cast<uint32_t>(kCmdlineAddress >> 32);
  params->hdr.ramdisk_image = static_cast<uint32_t>(initrd.address);
  params->hdr.ramdisk_size = static_cast<uint32_t>(initrd.size);
  params->ext_ramdisk_image = static_cast<uint32_t>(initrd.address >> 32);
  params->ext_ramdisk_size = static_cast<uint32_t>(initrd.size >> 32);
  params->acpi_rsdp_addr = rsdp;
  auto e820 = BuildE820(memory);
  if (e820.size() > E820_MAX_ENTRIES_ZEROPAGE) throw VmmError("too many e820 entries");
  for (size_t i = 0; i < e820.size(); ++i) {
    params->e820_table[i].addr = e820[i].address;
    params->e820_table[i].size = e820[i].size;
    params->e820_table[i].type = e820[i].type;
  }
  params->e820_entries = static_cast<uint8_t>(e820.size());
  memory.WriteOrThrow(kZeroPageAddress,
                      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(params.get()), sizeof(boot_params)),
                      "boot_params");
  return kZeroPageAddress;
}

uint64_t WritePvhStartInfo(const GuestMemory& memory, const PlacedInitrd& initrd, uint64_t rsdp) {
  auto e820 = BuildE820(memory);
  std::vector<PvhMemmapEntry> memmap;
  for (const auto& e : e820) memmap.push_back({e.address, e.size, e.type, 0});
  if (kPvhMemmapAddress + memmap.size() * sizeof(PvhMemmapEntry) > kZeroPageAddress) {
    throw VmmError("too many memory map entries for the PVH start info");
  }
  PvhStartInfo info{};
  info.magic = kPvhStartMagic;
  info.version = 1;
  info.cmdline_paddr = kCmdlineAddress;
  info.rsdp_paddr = rsdp;
  info.memmap_paddr = kPvhMemmapAddress;
  info.memmap_entries = static_cast<uint32_t>(memmap.size());
  if (initrd.size) {
    info.nr_modules = 1;
    info.modlist_paddr = kPvhModuleListAddress;
    PvhModule module{initrd.address, initrd.size, 0, 0};
    if (!memory.WriteObject(kPvhModuleListAddress, module)) throw VmmError("cannot write the PVH module list");
  }
  if (!memory.Write(kPvhMemmapAddress, memmap.data(), memmap.size() * sizeof(PvhMemmapEntry)) ||
      !memory.WriteObject(kPvhStartInfoAddress, info)) {
    throw VmmError("cannot write the PVH start info");
  }
  return kPvhStartInfoAddress;
}

}  // namespace

BootEntry LoadBoot(const GuestMemory& memory, const BootSpec& spec) {
  std::vector<uint8_t> image = ReadWholeFile(spec.kernel_path, "kernel");
  LoadedKernel kernel = LoadKernel(memory, image, spec.kernel_path);
  image.clear();
  image.shrink_to_fit();

  PlacedInitrd initrd = PlaceInitrd(memory, kernel, spec.initrd);
  WriteCmdline(memory, spec.cmdline, kernel.cmdline_limit);
  WriteBootTables(memory, kernel.mode);

  BootEntry entry{};
  entry.mode = kernel.mode;
  entry.entry = kernel.entry;
  entry.initrd_address = initrd.address;
  entry.initrd_size = initrd.size;
  if (kernel.mode == EntryMode::kLinux64) {
    entry.boot_info = WriteZeroPage(memory, kernel, initrd, spec.rsdp_address);
  } else {
    entry.boot_info = WritePvhStartInfo(memory, initrd, spec.rsdp_address);
  }
  return entry;
}

}  // namespace tinyrange::x86
