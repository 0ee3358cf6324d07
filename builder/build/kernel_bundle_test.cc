#include "builder/build/kernel_bundle.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "builder/build/definition.h"
#include "builder/build/module_info.h"

namespace tinyrange::build {
namespace {

// A minimal ELF64 relocatable file with a .modinfo section, laid out as the
// gABI says: file header, the section contents, then the section headers
// (null, .shstrtab, .modinfo).
std::string MakeModule(const std::string& modinfo) {
  std::string shstrtab = std::string("\0.shstrtab\0.modinfo\0", 20);
  std::string elf(64, '\0');
  std::memcpy(elf.data(), "\x7f" "ELF\x02\x01\x01", 7);
  uint64_t shstrtab_offset = elf.size();
  elf += shstrtab;
  uint64_t modinfo_offset = elf.size();
  elf += modinfo;
  while (elf.size() % 8) elf += '\0';
  uint64_t shoff = elf.size();
  auto put = [&](size_t at, auto value) { std::memcpy(elf.data() + at, &value, sizeof value); };
  put(0x28, shoff);
  put(0x3a, uint16_t{64});
  put(0x3c, uint16_t{3});
  put(0x3e, uint16_t{1});
  auto section = [&](uint32_t name, uint64_t offset, uint64_t size) {
    std::string header(64, '\0');
    std::memcpy(header.data(), &name, 4);
    std::memcpy(header.data() + 0x18, &offset, 8);
    std::memcpy(header.data() + 0x20, &size, 8);
    elf += header;
  };
  section(0, 0, 0);
  section(1, shstrtab_offset, shstrtab.size());
  section(11, modinfo_offset, modinfo.size());
  return elf;
}

TEST(ModuleInfoTest, ReadsDependsFromModinfo) {
  std::string info = std::string("license=GPL\0depends=virtio,virtio_ring\0name=virtio_blk\0", 55);
  EXPECT_EQ(ModuleDependencies(MakeModule(info), "virtio_blk.ko"),
            (std::vector<std::string>{"virtio", "virtio_ring"}));
  EXPECT_TRUE(ModuleDependencies(MakeModule(std::string("depends=\0name=virtio\0", 21)), "virtio.ko").empty());
}

TEST(ModuleInfoTest, MalformedFilesAreNamed) {
  try {
    ModuleDependencies("not an elf file at all, but long enough to have a header of sixty-four bytes....", "x.ko");
    FAIL() << "accepted";
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("x.ko: not a little-endian ELF64"), std::string::npos) << e.what();
  }
  std::string truncated = MakeModule(std::string("depends=a\0", 10));
  truncated.resize(truncated.size() - 100);
  EXPECT_THROW(ModuleDependencies(truncated, "t.ko"), BuildError);
  std::string no_modinfo = MakeModule("x");
  no_modinfo[64 + 2] = 'X';  // rename ".modinfo" in .shstrtab
  no_modinfo[64 + 12] = 'X';
  EXPECT_THROW(ModuleDependencies(no_modinfo, "n.ko"), BuildError);
}

// Debian 6.1 cloud kernel's graph for the guest's modules (names only).
const std::map<std::string, std::vector<std::string>> kDepends = {
    {"virtio", {}},
    {"virtio_ring", {}},
    {"virtio_mmio", {"virtio", "virtio_ring"}},
    {"virtio_blk", {"virtio", "virtio_ring"}},
    {"failover", {}},
    {"net_failover", {"failover"}},
    {"virtio_net", {"net_failover", "virtio", "virtio_ring"}},
    {"fuse", {}},
    {"virtiofs", {"fuse", "virtio", "virtio_ring"}},
    {"virtio_console", {"virtio", "virtio_ring"}},
    {"unrelated", {}},
};

size_t IndexOf(const std::vector<std::string>& order, const std::string& name) {
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] == name) return i;
  }
  ADD_FAILURE() << name << " is not in the load order";
  return 0;
}

TEST(KernelBundleTest, DependenciesLoadFirstAndOnce) {
  std::vector<std::string> order = ModuleLoadOrder(kDepends, {}, GuestKernelModules());
  EXPECT_EQ(order.size(), 10u);  // all but "unrelated"
  EXPECT_LT(IndexOf(order, "virtio"), IndexOf(order, "virtio_mmio"));
  EXPECT_LT(IndexOf(order, "virtio_ring"), IndexOf(order, "virtio_blk"));
  EXPECT_LT(IndexOf(order, "failover"), IndexOf(order, "net_failover"));
  EXPECT_LT(IndexOf(order, "net_failover"), IndexOf(order, "virtio_net"));
  EXPECT_LT(IndexOf(order, "fuse"), IndexOf(order, "virtiofs"));
}

TEST(KernelBundleTest, BuiltinModulesAreSkippedAndUnknownOnesNamed) {
  EXPECT_EQ(ModuleLoadOrder(kDepends, {"virtio", "virtio_ring", "virtio_mmio"}, {"virtio_mmio", "virtio_blk"}),
            std::vector<std::string>{"virtio_blk"});
  try {
    ModuleLoadOrder(kDepends, {}, {"virtio_gpu"});
    FAIL() << "an unknown module was accepted";
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("no module virtio_gpu"), std::string::npos) << e.what();
  }
  try {
    ModuleLoadOrder({{"a", {"missing"}}}, {}, {"a"});
    FAIL() << "a missing dependency was accepted";
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("no module missing (needed by a)"), std::string::npos) << e.what();
  }
}

TEST(KernelBundleTest, CyclesAreErrors) {
  EXPECT_THROW(ModuleLoadOrder({{"a", {"b"}}, {"b", {"a"}}}, {}, {"a"}), BuildError);
}

TEST(KernelBundleTest, ModuleNamesTreatDashAsUnderscore) {
  EXPECT_EQ(ModuleNameOf("kernel/fs/fuse/virtiofs.ko"), "virtiofs");
  EXPECT_EQ(ModuleNameOf("kernel/drivers/net/net-failover.ko"), "net_failover");
}

TEST(KernelBundleTest, CompressedModulesAreModulesByTheirNames) {
  EXPECT_EQ(ModuleNameOf("kernel/drivers/virtio/virtio_mmio.ko.xz"), "virtio_mmio");
  EXPECT_EQ(ModuleNameOf("kernel/fs/fuse/virtiofs.ko.gz"), "virtiofs");
  EXPECT_EQ(ModuleNameOf("kernel/drivers/block/virtio_blk.ko.zst"), "virtio_blk");
  EXPECT_TRUE(IsModuleFile("a/b.ko.xz"));
  EXPECT_TRUE(IsModuleFile("a/b.ko"));
  EXPECT_FALSE(IsModuleFile("a/modules.dep"));
  EXPECT_FALSE(IsModuleFile("a/b.ko.bz2"));
}

// Compresses with the tool each format is named after, as a kernel
// package's build does.
std::string Compressed(const std::string& tool, const std::string& bytes) {
  std::string path = ::testing::TempDir() + "module_" + std::to_string(getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  FILE* p = popen((tool + " -c < " + path).c_str(), "r");
  std::string out;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, p)) out.append(buffer, n);
  EXPECT_EQ(pclose(p), 0) << tool;
  std::remove(path.c_str());
  return out;
}

TEST(KernelBundleTest, CompressedModulesAreDecompressedAndReadable) {
  std::string elf = MakeModule(std::string("depends=virtio\0name=virtio_blk\0", 30));
  for (const auto& [tool, suffix] : std::vector<std::pair<std::string, std::string>>{
           {"xz", ".ko.xz"}, {"gzip", ".ko.gz"}, {"zstd -q", ".ko.zst"}}) {
    std::string name = "kernel/drivers/block/virtio_blk" + suffix;
    std::string decompressed = ModuleElf(name, Compressed(tool, elf));
    EXPECT_EQ(decompressed, elf) << suffix;
    EXPECT_EQ(ModuleDependencies(decompressed, name), std::vector<std::string>{"virtio"});
  }
  EXPECT_EQ(ModuleElf("plain.ko", elf), elf);
  try {
    ModuleElf("kernel/broken.ko.xz", "this is not xz data");
    FAIL() << "accepted";
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("kernel/broken.ko.xz"), std::string::npos) << e.what();
  }
}


TEST(KernelBundleTest, KernelPackagesOfEachFamily) {
  EXPECT_TRUE(IsKernelPackage("debian", "linux-image-6.1.0-28-cloud-amd64"));
  EXPECT_FALSE(IsKernelPackage("debian", "linux-image-cloud-amd64"));  // the metapackage
  EXPECT_FALSE(IsKernelPackage("debian", "linux-base"));
  EXPECT_TRUE(IsKernelPackage("alpine", "linux-virt"));
  EXPECT_TRUE(IsKernelPackage("alpine", "linux-lts"));
  EXPECT_FALSE(IsKernelPackage("alpine", "linux-firmware"));
  EXPECT_FALSE(IsKernelPackage("alpine", "linux-firmware-none"));
  EXPECT_FALSE(IsKernelPackage("alpine", "linux-headers"));
  EXPECT_FALSE(IsKernelPackage("alpine", "linux-virt-dev"));
  EXPECT_FALSE(IsKernelPackage("alpine", "linux-"));
  EXPECT_FALSE(IsKernelPackage("alpine", "linux-image-6.1.0-28-cloud-amd64"));
  EXPECT_FALSE(IsKernelPackage("debian", "linux-virt"));
}

TEST(KernelBundleTest, TheImageIsTheOnlyOneOrTheVersions) {
  EXPECT_EQ(KernelImageEntry({"boot/vmlinuz-virt"}, "6.12.9-0-virt", "k"), "boot/vmlinuz-virt");
  EXPECT_EQ(KernelImageEntry({"boot/vmlinuz-6.1.0-28-cloud-amd64"}, "6.1.0-28-cloud-amd64", "k"),
            "boot/vmlinuz-6.1.0-28-cloud-amd64");
  EXPECT_EQ(KernelImageEntry({"boot/vmlinuz-old", "boot/vmlinuz-6.1"}, "6.1", "k"), "boot/vmlinuz-6.1");
  try {
    KernelImageEntry({}, "6.1", "plan of linux-virt");
    FAIL() << "no image was accepted";
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("plan of linux-virt: the kernel package has no boot/vmlinuz-* image"),
              std::string::npos)
        << e.what();
  }
  try {
    KernelImageEntry({"boot/vmlinuz-a", "boot/vmlinuz-b"}, "6.1", "k");
    FAIL() << "two images were accepted";
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("several images (boot/vmlinuz-a, boot/vmlinuz-b)"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tinyrange::build
