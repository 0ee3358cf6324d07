#include "vmm/arch/x86_64/kernel_loader.h"

#include <gtest/gtest.h>

#include "vmm/arch/x86_64/test_images.h"
#include "vmm/vmm_error.h"

namespace tinyrange::x86 {
namespace {

using testing::ElfOptions;
using testing::MakeBzImage;
using testing::MakeElf;

std::string ErrorOf(const GuestMemory& m, const std::vector<uint8_t>& image) {
  try {
    LoadKernel(m, image, "k.img");
  } catch (const VmmError& e) {
    return e.what();
  }
  return "";
}

TEST(KernelLoaderTest, DetectsFormats) {
  EXPECT_EQ(DetectKernelFormat(MakeBzImage()), KernelFormat::kBzImage);
  EXPECT_EQ(DetectKernelFormat(MakeElf()), KernelFormat::kElf);
  std::vector<uint8_t> junk(4096, 0x90);
  EXPECT_EQ(DetectKernelFormat(junk), KernelFormat::kUnknown);
}

TEST(KernelLoaderTest, LoadsBzImageAtPreferredAddress) {
  GuestMemory m = GuestMemory::CreateX86(64 << 20);
  auto image = MakeBzImage();
  LoadedKernel k = LoadKernel(m, image, "k.img");
  EXPECT_EQ(k.mode, EntryMode::kLinux64);
  EXPECT_EQ(k.start, 0x1000000u);
  EXPECT_EQ(k.entry, 0x1000200u);
  EXPECT_EQ(k.end, 0x1000000u + 0x10000);
  EXPECT_EQ(k.initrd_limit, 0x80000000u);
  EXPECT_EQ(k.cmdline_limit, 2047u);
  uint8_t byte = 0;
  ASSERT_TRUE(m.ReadObject(0x1000000 + 5, &byte));
  EXPECT_EQ(byte, static_cast<uint8_t>(5 * 7));
  EXPECT_EQ(k.header.version, 0x020f);
}

TEST(KernelLoaderTest, RejectsBzImageWithout64BitEntry) {
  GuestMemory m = GuestMemory::CreateX86(64 << 20);
  EXPECT_NE(ErrorOf(m, MakeBzImage(0x020b)).find("no 64-bit entry point"), std::string::npos);
  EXPECT_NE(ErrorOf(m, MakeBzImage(0x020f, 0)).find("no 64-bit entry point"), std::string::npos);
}

TEST(KernelLoaderTest, BzImageTooBigForMemoryAsksForMore) {
  GuestMemory m = GuestMemory::CreateX86(16 << 20);
  std::string error = ErrorOf(m, MakeBzImage(0x020f, XLF_KERNEL_64, 0x2000, 32 << 20));
  EXPECT_NE(error.find("--memory"), std::string::npos) << error;
}

TEST(KernelLoaderTest, LoadsElfWithPvhNote) {
  GuestMemory m = GuestMemory::CreateX86(16 << 20);
  auto image = MakeElf();
  LoadedKernel k = LoadKernel(m, image, "vmlinux");
  EXPECT_EQ(k.mode, EntryMode::kPvh32);
  EXPECT_EQ(k.entry, 0x200010u);
  EXPECT_EQ(k.start, 0x200000u);
  EXPECT_EQ(k.end, 0x201000u);
  uint8_t first = 0, bss = 1;
  ASSERT_TRUE(m.ReadObject(0x200000, &first));
  ASSERT_TRUE(m.ReadObject(0x200800, &bss));
  EXPECT_EQ(first, 0xa0);
  EXPECT_EQ(bss, 0);
}

TEST(KernelLoaderTest, ElfErrorsAreSpecific) {
  GuestMemory m = GuestMemory::CreateX86(16 << 20);
  ElfOptions no_note;
  no_note.pvh_note = false;
  EXPECT_NE(ErrorOf(m, MakeElf(no_note)).find("without a PVH entry note"), std::string::npos);
  ElfOptions outside;
  outside.paddr = 64 << 20;
  outside.entry = (64 << 20) + 16;
  EXPECT_NE(ErrorOf(m, MakeElf(outside)).find("outside guest RAM"), std::string::npos);
  ElfOptions too_big_file;
  too_big_file.filesz = 0x2000;
  too_big_file.memsz = 0x1000;
  EXPECT_NE(ErrorOf(m, MakeElf(too_big_file)).find("file size exceeds"), std::string::npos);
}

TEST(KernelLoaderTest, TruncatedElfDoesNotCrash) {
  GuestMemory m = GuestMemory::CreateX86(16 << 20);
  auto image = MakeElf();
  // Every prefix of a valid image is rejected cleanly or loads: never UB.
  for (size_t n = 4; n < image.size(); n += 7) {
    std::vector<uint8_t> cut(image.begin(), image.begin() + static_cast<long>(n));
    EXPECT_FALSE(ErrorOf(m, cut).empty()) << "prefix " << n;
  }
}

TEST(KernelLoaderTest, CorruptNoteSizesAreRejected) {
  GuestMemory m = GuestMemory::CreateX86(16 << 20);
  auto image = MakeElf();
  // Point the note's name size far past its segment.
  size_t note_off = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
  uint32_t huge = 0xfffffff0;
  std::memcpy(image.data() + note_off, &huge, 4);
  EXPECT_NE(ErrorOf(m, image).find("overruns"), std::string::npos);
}

TEST(KernelLoaderTest, UnknownFormatNamesTheFile) {
  GuestMemory m = GuestMemory::CreateX86(16 << 20);
  std::vector<uint8_t> junk(8192, 0);
  std::string error = ErrorOf(m, junk);
  EXPECT_NE(error.find("k.img"), std::string::npos);
  EXPECT_NE(error.find("neither a bzImage"), std::string::npos);
}

}  // namespace
}  // namespace tinyrange::x86
