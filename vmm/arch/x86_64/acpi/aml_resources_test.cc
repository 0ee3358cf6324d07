#include "vmm/arch/x86_64/acpi/aml_resources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace tinyrange::acpi::aml {
namespace {

using ::testing::ElementsAre;

uint8_t Sum(const Bytes& b) {
  uint8_t s = 0;
  for (uint8_t x : b) s = static_cast<uint8_t>(s + x);
  return s;
}

TEST(ResourceTemplateTest, EmptyTemplateIsAnEndTag) {
  // End Tag 0x79, then the checksum making 0x79 + x == 0 (mod 256).
  EXPECT_THAT(ResourceTemplate().Data(), ElementsAre(0x79, 0x87));
}

TEST(ResourceTemplateTest, Io) {
  Bytes data = ResourceTemplate().IoPort(0x3f8, 8).Data();
  EXPECT_THAT(data, ElementsAre(0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x79, testing::_));
  EXPECT_EQ(Sum(data), 0);
  EXPECT_THAT(ResourceTemplate().Io(0x100, 0x1f0, 0x10, 4).Data(),
              ElementsAre(0x47, 0x01, 0x00, 0x01, 0xf0, 0x01, 0x10, 0x04, 0x79, testing::_));
  EXPECT_THROW(ResourceTemplate().Io(0x200, 0x100, 1, 1), std::invalid_argument);
}

TEST(ResourceTemplateTest, IrqNoFlagsIsAMask) {
  EXPECT_THAT(ResourceTemplate().IrqNoFlags(4).Data(), ElementsAre(0x22, 0x10, 0x00, 0x79, testing::_));
  EXPECT_THAT(ResourceTemplate().IrqNoFlags(12).Data(), ElementsAre(0x22, 0x00, 0x10, 0x79, testing::_));
  EXPECT_THROW(ResourceTemplate().IrqNoFlags(16), std::invalid_argument);
}

TEST(ResourceTemplateTest, Memory32Fixed) {
  EXPECT_THAT(ResourceTemplate().Memory32Fixed(true, 0xd0001000, 0x1000).Data(),
              ElementsAre(0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00, 0x79, testing::_));
  EXPECT_EQ(ResourceTemplate().Memory32Fixed(false, 0, 1).Data()[3], 0x00);
  EXPECT_NO_THROW(ResourceTemplate().Memory32Fixed(true, 0xfffff000, 0x1000));
  EXPECT_THROW(ResourceTemplate().Memory32Fixed(true, 0xfffff000, 0x1001), std::invalid_argument);
}

TEST(ResourceTemplateTest, ExtendedInterrupt) {
  // Consumer | edge = 0x03, one interrupt, GSI 5.
  EXPECT_THAT(ResourceTemplate().Interrupt(InterruptFlags{}, 5).Data(),
              ElementsAre(0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00, 0x79, testing::_));
  InterruptFlags level{.consumer = false, .edge = false, .active_low = true, .shared = true, .wake_capable = true};
  const uint32_t gsis[] = {16, 0x12345};
  EXPECT_THAT(ResourceTemplate().Interrupt(level, gsis).Data(),
              ElementsAre(0x89, 0x0a, 0x00, 0x1c, 0x02, 16, 0, 0, 0, 0x45, 0x23, 0x01, 0x00, 0x79, testing::_));
  EXPECT_THROW(ResourceTemplate().Interrupt(InterruptFlags{}, std::span<const uint32_t>{}), std::invalid_argument);
}

TEST(ResourceTemplateTest, DescriptorsKeepTheirOrderAndTheChecksumCoversAll) {
  ResourceTemplate t;
  t.IoPort(0x60, 1).IoPort(0x64, 1).IrqNoFlags(1);
  Bytes data = t.Data();
  ASSERT_EQ(data.size(), 8u + 8u + 3u + 2u);
  EXPECT_EQ(data[0], 0x47);
  EXPECT_EQ(data[2], 0x60);
  EXPECT_EQ(data[8], 0x47);
  EXPECT_EQ(data[10], 0x64);
  EXPECT_EQ(data[16], 0x22);
  EXPECT_EQ(Sum(data), 0);
}

TEST(ResourceTemplateTest, BuildWrapsTheDataInABuffer) {
  ResourceTemplate t;
  t.IrqNoFlags(4);
  Bytes data = t.Data();
  Bytes buffer = t.Build();
  // BufferOp, PkgLength, BytePrefix size, data.
  ASSERT_EQ(buffer.size(), 4 + data.size());
  EXPECT_THAT(Bytes(buffer.begin(), buffer.begin() + 4),
              ElementsAre(0x11, static_cast<uint8_t>(buffer.size() - 1), 0x0a, static_cast<uint8_t>(data.size())));
  EXPECT_EQ(Bytes(buffer.begin() + 4, buffer.end()), data);
}

}  // namespace
}  // namespace tinyrange::acpi::aml
