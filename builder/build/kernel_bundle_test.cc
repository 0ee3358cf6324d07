#include "builder/build/kernel_bundle.h"

#include <gtest/gtest.h>

namespace tinyrange::build {
namespace {

// In modules.dep's format: "path: dependency paths", relative to
// lib/modules/VERSION/ (an excerpt of Debian's 6.1 cloud kernel's).
constexpr const char* kModulesDep =
    "kernel/drivers/virtio/virtio.ko:\n"
    "kernel/drivers/virtio/virtio_ring.ko:\n"
    "kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
    "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
    "kernel/net/core/failover.ko:\n"
    "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
    "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko "
    "kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
    "kernel/fs/fuse/fuse.ko:\n"
    "kernel/fs/fuse/virtiofs.ko: kernel/fs/fuse/fuse.ko kernel/drivers/virtio/virtio_ring.ko "
    "kernel/drivers/virtio/virtio.ko\n"
    "kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n";

size_t IndexOf(const std::vector<std::string>& order, const std::string& path) {
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] == path) return i;
  }
  ADD_FAILURE() << path << " is not in the load order";
  return 0;
}

TEST(KernelBundleTest, DependenciesLoadFirstAndOnce) {
  std::vector<std::string> order = ModuleLoadOrder(kModulesDep, "", GuestKernelModules());
  EXPECT_EQ(order.size(), 10u);
  EXPECT_LT(IndexOf(order, "kernel/drivers/virtio/virtio.ko"), IndexOf(order, "kernel/drivers/virtio/virtio_mmio.ko"));
  EXPECT_LT(IndexOf(order, "kernel/drivers/virtio/virtio_ring.ko"), IndexOf(order, "kernel/drivers/block/virtio_blk.ko"));
  EXPECT_LT(IndexOf(order, "kernel/net/core/failover.ko"), IndexOf(order, "kernel/drivers/net/net_failover.ko"));
  EXPECT_LT(IndexOf(order, "kernel/drivers/net/net_failover.ko"), IndexOf(order, "kernel/drivers/net/virtio_net.ko"));
  EXPECT_LT(IndexOf(order, "kernel/fs/fuse/fuse.ko"), IndexOf(order, "kernel/fs/fuse/virtiofs.ko"));
}

TEST(KernelBundleTest, BuiltinModulesAreSkippedAndUnknownOnesNamed) {
  std::string builtin = "kernel/drivers/virtio/virtio_mmio.ko\nkernel/drivers/virtio/virtio_pci.ko\n";
  std::string dep = "kernel/drivers/block/virtio_blk.ko:\n";
  EXPECT_EQ(ModuleLoadOrder(dep, builtin, {"virtio_mmio", "virtio_blk"}),
            std::vector<std::string>{"kernel/drivers/block/virtio_blk.ko"});
  try {
    ModuleLoadOrder(dep, builtin, {"virtio_gpu"});
    FAIL() << "an unknown module was accepted";
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("no module virtio_gpu"), std::string::npos) << e.what();
  }
}

TEST(KernelBundleTest, CyclesAndMissingLinesAreErrors) {
  EXPECT_THROW(ModuleLoadOrder("a.ko: b.ko\nb.ko: a.ko\n", "", {"a"}), BuildError);
  EXPECT_THROW(ModuleLoadOrder("a.ko: missing.ko\n", "", {"a"}), BuildError);
}

TEST(KernelBundleTest, ModuleNamesTreatDashAsUnderscore) {
  EXPECT_EQ(ModuleNameOf("kernel/fs/fuse/virtiofs.ko"), "virtiofs");
  EXPECT_EQ(ModuleNameOf("kernel/drivers/net/net-failover.ko"), "net_failover");
}

}  // namespace
}  // namespace tinyrange::build
