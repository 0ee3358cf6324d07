#include "vmm/arch/x86_64/boot_loader.h"

#include <asm/bootparam.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "vmm/arch/x86_64/layout.h"
#include "vmm/arch/x86_64/test_images.h"
#include "vmm/vmm_error.h"

namespace tinyrange::x86 {
namespace {

class BootLoaderTest : public ::testing::Test {
 protected:
  std::string WriteTemp(const std::vector<uint8_t>& bytes) {
    std::string path = ::testing::TempDir() + "/boot_loader_test_" + std::to_string(getpid()) + "_" +
                       std::to_string(counter_++);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& p : paths_) std::remove(p.c_str());
  }
  int counter_ = 0;
  std::vector<std::string> paths_;
};

TEST_F(BootLoaderTest, BzImageGetsZeroPageWithEverything) {
  GuestMemory m = GuestMemory::CreateX86(64 << 20);
  BootSpec spec;
  spec.kernel_path = WriteTemp(testing::MakeBzImage());
  spec.initrd.push_back({WriteTemp(std::vector<uint8_t>(1001, 0x11)), {}});
  spec.initrd.push_back({"", std::vector<uint8_t>(10, 0x22)});
  spec.cmdline = "console=ttyS0 test=1";
  spec.rsdp_address = 0xe0000;
  BootEntry entry = LoadBoot(m, spec);
  EXPECT_EQ(entry.mode, EntryMode::kLinux64);
  EXPECT_EQ(entry.boot_info, kZeroPageAddress);

  boot_params params;
  ASSERT_TRUE(m.ReadObject(kZeroPageAddress, &params));
  EXPECT_EQ(params.hdr.header, 0x53726448u);
  EXPECT_EQ(params.hdr.type_of_loader, 0xff);
  EXPECT_EQ(params.hdr.cmd_line_ptr, kCmdlineAddress);
  EXPECT_EQ(params.acpi_rsdp_addr, 0xe0000u);
  EXPECT_EQ(params.e820_entries, 3);
  // Parts are 4-byte aligned: 1001 rounds to 1004, then 10 bytes.
  EXPECT_EQ(params.hdr.ramdisk_size, 1014u);
  EXPECT_EQ(params.hdr.ramdisk_image % 4096, 0u);
  EXPECT_EQ(entry.initrd_size, 1014u);
  uint8_t first = 0, pad = 1, second = 0;
  ASSERT_TRUE(m.ReadObject(params.hdr.ramdisk_image, &first));
  ASSERT_TRUE(m.ReadObject(params.hdr.ramdisk_image + 1002, &pad));
  ASSERT_TRUE(m.ReadObject(params.hdr.ramdisk_image + 1004, &second));
  EXPECT_EQ(first, 0x11);
  EXPECT_EQ(pad, 0);
  EXPECT_EQ(second, 0x22);
  // The initrd sits at the top of RAM, above the kernel.
  EXPECT_LE(params.hdr.ramdisk_image + params.hdr.ramdisk_size, 64u << 20);
  EXPECT_GE(params.hdr.ramdisk_image, 0x1010000u);
  char cmdline[64] = {};
  ASSERT_TRUE(m.Read(kCmdlineAddress, cmdline, sizeof cmdline));
  EXPECT_STREQ(cmdline, "console=ttyS0 test=1");
}

TEST_F(BootLoaderTest, PvhGetsStartInfo) {
  GuestMemory m = GuestMemory::CreateX86(32 << 20);
  BootSpec spec;
  spec.kernel_path = WriteTemp(testing::MakeElf());
  spec.initrd.push_back({"", std::vector<uint8_t>(100, 0x33)});
  spec.cmdline = "x";
  spec.rsdp_address = 0xe0000;
  BootEntry entry = LoadBoot(m, spec);
  EXPECT_EQ(entry.mode, EntryMode::kPvh32);
  PvhStartInfo info;
  ASSERT_TRUE(m.ReadObject(entry.boot_info, &info));
  EXPECT_EQ(info.magic, kPvhStartMagic);
  EXPECT_EQ(info.version, 1u);
  EXPECT_EQ(info.nr_modules, 1u);
  EXPECT_EQ(info.rsdp_paddr, 0xe0000u);
  EXPECT_EQ(info.memmap_entries, 3u);
  PvhModule module;
  ASSERT_TRUE(m.ReadObject(info.modlist_paddr, &module));
  EXPECT_EQ(module.size, 100u);
  PvhMemmapEntry last;
  ASSERT_TRUE(m.ReadObject(info.memmap_paddr + 2 * sizeof(PvhMemmapEntry), &last));
  EXPECT_EQ(last.addr + last.size, 32u << 20);
}

TEST_F(BootLoaderTest, ErrorsNameTheProblem) {
  GuestMemory m = GuestMemory::CreateX86(16 << 20);
  BootSpec spec;
  spec.kernel_path = "/nonexistent/kernel";
  try {
    LoadBoot(m, spec);
    FAIL();
  } catch (const VmmError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/kernel"), std::string::npos);
  }
  spec.kernel_path = WriteTemp(testing::MakeElf());
  spec.cmdline = std::string(5000, 'a');
  try {
    LoadBoot(m, spec);
    FAIL();
  } catch (const VmmError& e) {
    EXPECT_NE(std::string(e.what()).find("command line"), std::string::npos);
  }
  spec.cmdline = "";
  spec.initrd.push_back({"", std::vector<uint8_t>(20 << 20, 1)});
  try {
    LoadBoot(m, spec);
    FAIL();
  } catch (const VmmError& e) {
    EXPECT_NE(std::string(e.what()).find("initrd"), std::string::npos);
  }
}

}  // namespace
}  // namespace tinyrange::x86
