#include "guest-init/module_cmdline.h"

#include <gtest/gtest.h>

#include <string>

namespace tinyrange {
namespace {

std::string Params(std::string_view module, std::string_view given, std::string_view cmdline) {
  char out[256];
  EXPECT_TRUE(ModuleParamsWithCommandLine(module, given, cmdline, out, sizeof(out)));
  return out;
}

TEST(ModuleCmdlineTest, NameOfFileDropsDirectoryAndSuffix) {
  EXPECT_EQ(ModuleNameOfFile("/lib/modules/6.1.0/kernel/drivers/virtio/virtio_mmio.ko"), "virtio_mmio");
  EXPECT_EQ(ModuleNameOfFile("virtio-blk.ko"), "virtio-blk");
  EXPECT_EQ(ModuleNameOfFile("/x/.ko"), ".ko");
}

TEST(ModuleCmdlineTest, TakesOnlyTheModulesOwnArguments) {
  EXPECT_EQ(Params("virtio_mmio", "",
                   "console=ttyS0 virtio_mmio.device=512@0xfeb00e00:12 quiet "
                   "virtio_mmio.device=512@0xfeb00c00:11 virtio_blk.queue_depth=4"),
            "device=512@0xfeb00e00:12 device=512@0xfeb00c00:11");
}

TEST(ModuleCmdlineTest, ConfigParametersComeFirst) {
  EXPECT_EQ(Params("loop", "max_loop=8", "loop.max_part=3\n"), "max_loop=8 max_part=3");
  EXPECT_EQ(Params("loop", "max_loop=8", "console=ttyS0"), "max_loop=8");
  EXPECT_EQ(Params("loop", "", ""), "");
}

TEST(ModuleCmdlineTest, DashAndUnderscoreAreTheSameInNames) {
  EXPECT_EQ(Params("virtio_mmio", "", "virtio-mmio.device=4K@0x1000:5"), "device=4K@0x1000:5");
  EXPECT_EQ(Params("snd-hda", "", "snd_hda.x=1"), "x=1");
}

TEST(ModuleCmdlineTest, OtherModulesAndPlainArgumentsAreSkipped) {
  // A prefix of another module's name, a value with a dot, and a flag.
  EXPECT_EQ(Params("virtio", "", "virtio_mmio.device=1 root=/dev/vda.1 .x=1 virtio.=2 virtio.flag"),
            "flag");
}

TEST(ModuleCmdlineTest, ArgumentsAfterDoubleDashBelongToInit) {
  EXPECT_EQ(Params("loop", "", "loop.a=1 -- loop.b=2"), "a=1");
}

TEST(ModuleCmdlineTest, QuotedValuesStayOneParameter) {
  EXPECT_EQ(Params("m", "", "m.name=\"a b\" other=\"x y\" m.z=2"), "name=\"a b\" z=2");
  EXPECT_EQ(Params("m", "", "\"m.name=a b\""), "name=\"a b\"");
}

TEST(ModuleCmdlineTest, TooLongKeepsTheConfigParametersAlone) {
  char out[16];
  EXPECT_FALSE(ModuleParamsWithCommandLine("m", "given=1", "m.a=1 m.long_parameter=2", out, sizeof(out)));
  EXPECT_STREQ(out, "given=1");
  char tiny[4];
  EXPECT_FALSE(ModuleParamsWithCommandLine("m", "given=1", "", tiny, sizeof(tiny)));
  EXPECT_STREQ(tiny, "");
}

}  // namespace
}  // namespace tinyrange
