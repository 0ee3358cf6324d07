#include "vmm/arch/x86_64/emulation_fallback.h"

#include <gtest/gtest.h>

#include <vector>

namespace tinyrange::x86 {
namespace {

FallbackAction Decode(std::vector<uint8_t> bytes) { return DecodeFallback(bytes); }

TEST(EmulationFallbackTest, DecodesBreakpointAndUd2) {
  auto bp = Decode({0xcc, 0x90});
  EXPECT_EQ(bp.kind, FallbackAction::kBreakpoint);
  EXPECT_EQ(bp.length, 1u);
  auto ud = Decode({0x0f, 0x0b});
  EXPECT_EQ(ud.kind, FallbackAction::kInvalidOpcode);
  EXPECT_EQ(ud.length, 2u);
}

TEST(EmulationFallbackTest, DecodesFwait) {
  EXPECT_EQ(Decode({0x9b, 0xdb, 0xe3}).kind, FallbackAction::kFwait);  // the fwait of finit
  EXPECT_EQ(Decode({0x9b}).length, 1u);
}

TEST(EmulationFallbackTest, DecodesClacAndStac) {
  EXPECT_EQ(Decode({0x0f, 0x01, 0xca}).kind, FallbackAction::kClac);
  EXPECT_EQ(Decode({0x0f, 0x01, 0xcb}).kind, FallbackAction::kStac);
  EXPECT_EQ(Decode({0x0f, 0x01, 0xcb}).length, 3u);
  EXPECT_EQ(Decode({0x0f, 0x01, 0xc1}).kind, FallbackAction::kNone);  // vmcall is not ours
}

TEST(EmulationFallbackTest, DecodesCmpxchg16bAddressingForms) {
  // lock cmpxchg16b 0x20(%rbp): the instruction Linux's SLUB executes.
  auto a = Decode({0xf0, 0x48, 0x0f, 0xc7, 0x4d, 0x20});
  EXPECT_EQ(a.kind, FallbackAction::kCmpxchg16b);
  EXPECT_EQ(a.length, 6u);
  EXPECT_EQ(a.base_register, 5);
  EXPECT_EQ(a.displacement, 0x20);
  // lock cmpxchg16b (%r8): REX.B extends the base.
  auto r8 = Decode({0xf0, 0x49, 0x0f, 0xc7, 0x08});
  EXPECT_EQ(r8.base_register, 8);
  EXPECT_EQ(r8.length, 5u);
  // cmpxchg16b -0x10(%rax,%rcx,8): SIB with disp8.
  auto sib = Decode({0x48, 0x0f, 0xc7, 0x4c, 0xc8, 0xf0});
  EXPECT_EQ(sib.base_register, 0);
  EXPECT_EQ(sib.index_register, 1);
  EXPECT_EQ(sib.scale, 8u);
  EXPECT_EQ(sib.displacement, -0x10);
  EXPECT_EQ(sib.length, 6u);
  // cmpxchg16b 0x100(%rip).
  auto rip = Decode({0x48, 0x0f, 0xc7, 0x0d, 0x00, 0x01, 0x00, 0x00});
  EXPECT_EQ(rip.base_register, 16);
  EXPECT_EQ(rip.displacement, 0x100);
  EXPECT_EQ(rip.length, 8u);
}

TEST(EmulationFallbackTest, RejectsEverythingElse) {
  EXPECT_EQ(Decode({0x90}).kind, FallbackAction::kNone);
  EXPECT_EQ(Decode({0x0f, 0xc7, 0x4d, 0x20}).kind, FallbackAction::kNone);        // cmpxchg8b (no REX.W)
  EXPECT_EQ(Decode({0x48, 0x0f, 0xc7, 0xc9}).kind, FallbackAction::kNone);        // register operand
  EXPECT_EQ(Decode({0x48, 0x0f, 0xc7, 0x75, 0x00}).kind, FallbackAction::kNone);  // /6 is not cmpxchg16b
  EXPECT_EQ(Decode({0x48, 0x0f, 0xc7}).kind, FallbackAction::kNone);             // truncated
}

}  // namespace
}  // namespace tinyrange::x86
