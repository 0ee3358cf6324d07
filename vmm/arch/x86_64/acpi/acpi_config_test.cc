#include "vmm/arch/x86_64/acpi/acpi_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace tinyrange::acpi {
namespace {

using ::testing::HasSubstr;

// The message ValidateAcpiConfig throws, or "" if it accepts the config.
std::string Rejection(const AcpiConfig& config) {
  try {
    ValidateAcpiConfig(config);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// Slot `index` of the layout, with GSI 5 + index (valid below index 7,
// where it would reach the i8042's reserved GSI 12).
VirtioMmioSlot Slot(uint32_t index) {
  return {x86::kVirtioMmioBase + index * x86::kVirtioMmioSlotSize, static_cast<uint32_t>(x86::kVirtioMmioSlotSize),
          x86::kVirtioFirstGsi + index};
}

AcpiConfig WithSlots(std::vector<VirtioMmioSlot> slots) {
  AcpiConfig config;
  config.virtio_slots = std::move(slots);
  return config;
}

TEST(AcpiConfigTest, AcceptsTheFullLayout) {
  // kVirtioMmioMaxSlots (18) slots, their GSIs from 5 to 23 skipping the
  // reserved 12: exactly the usable lines.
  static_assert(x86::kVirtioMmioMaxSlots == 18);
  AcpiConfig config;
  config.cpu_count = 8;
  for (uint32_t i = 0; i < x86::kVirtioMmioMaxSlots; ++i) config.virtio_slots.push_back(Slot(i));
  for (uint32_t i = 7; i < 18; ++i) config.virtio_slots[i].gsi = x86::kVirtioFirstGsi + i + 1;
  EXPECT_EQ(Rejection(config), "");
}

TEST(AcpiConfigTest, GsisFiveUpTo23CollideWithTheI8042) {
  // What a naive "GSI = 5 + slot index" allocator produces: slot 7 lands
  // on GSI 12.
  AcpiConfig config;
  for (uint32_t i = 0; i < x86::kVirtioMmioMaxSlots; ++i) config.virtio_slots.push_back(Slot(i));
  EXPECT_THAT(Rejection(config), HasSubstr("virtio slot 7 (0xd0007000) uses GSI 12, which is reserved"));
}

TEST(AcpiConfigTest, VirtioSlotGsisSkipTheMouseLine) {
  EXPECT_EQ(VirtioSlotGsi(0), 5u);
  EXPECT_EQ(VirtioSlotGsi(6), 11u);
  EXPECT_EQ(VirtioSlotGsi(7), 13u);
  EXPECT_EQ(VirtioSlotGsi(x86::kVirtioMmioMaxSlots - 1), 23u);
}

TEST(AcpiConfigTest, RejectsZeroCpus) {
  AcpiConfig config;
  config.cpu_count = 0;
  EXPECT_THAT(Rejection(config), HasSubstr("cpu_count must be at least 1"));
}

TEST(AcpiConfigTest, RejectsTooManySlots) {
  AcpiConfig config;
  for (uint32_t i = 0; i < x86::kVirtioMmioMaxSlots; ++i) config.virtio_slots.push_back(Slot(i));
  config.virtio_slots.push_back({0xd0100000, 0x1000, 6});
  EXPECT_THAT(Rejection(config), HasSubstr("19 virtio slots requested, at most 18"));
}

TEST(AcpiConfigTest, RejectsOverlappingSlots) {
  EXPECT_THAT(Rejection(WithSlots({Slot(0), {0xd0000800, 0x1000, 7}})),
              HasSubstr("virtio slot 1 (0xd0000800) overlaps virtio slot 0 (0xd0000000)"));
  // Adjacent slots are fine.
  EXPECT_EQ(Rejection(WithSlots({Slot(0), Slot(1)})), "");
}

TEST(AcpiConfigTest, RejectsBadGsis) {
  auto slot = Slot(0);
  slot.gsi = 24;
  EXPECT_THAT(Rejection(WithSlots({slot})), HasSubstr("uses GSI 24 but the IOAPIC has only 24 inputs"));
  for (uint32_t reserved : {0u, 1u, 4u, 12u}) {
    slot.gsi = reserved;
    EXPECT_THAT(Rejection(WithSlots({slot})),
                HasSubstr("uses GSI " + std::to_string(reserved) + ", which is reserved"));
  }
  EXPECT_THAT(Rejection(WithSlots({Slot(0), {0xd0001000, 0x1000, 5}})),
              HasSubstr("uses GSI 5, already used by virtio slot 0"));
}

TEST(AcpiConfigTest, RejectsSlotsOutsideTheHoleOrOnFixedDevices) {
  EXPECT_THAT(Rejection(WithSlots({{0xd0000000, 0, 5}})), HasSubstr("has size 0"));
  EXPECT_THAT(Rejection(WithSlots({{0x100000, 0x1000, 5}})), HasSubstr("outside the MMIO hole"));
  EXPECT_THAT(Rejection(WithSlots({{0xfffff000, 0x2000, 5}})), HasSubstr("outside the MMIO hole"));
  EXPECT_THAT(Rejection(WithSlots({{0x100000000ULL, 0x1000, 5}})), HasSubstr("outside the MMIO hole"));
  EXPECT_THAT(Rejection(WithSlots({{0xfec00000, 0x1000, 5}})), HasSubstr("overlaps the IOAPIC"));
  EXPECT_THAT(Rejection(WithSlots({{0xfedff800, 0x1000, 5}})), HasSubstr("overlaps the local APIC"));
}

TEST(AcpiConfigTest, RejectsBadOemIds) {
  AcpiConfig config;
  config.oem_id = "SEVENCH";
  EXPECT_THAT(Rejection(config), HasSubstr("oem_id \"SEVENCH\" must have 1 to 6 characters"));
  config.oem_id = "";
  EXPECT_THAT(Rejection(config), HasSubstr("must have 1 to 6 characters"));
  config.oem_id = "AB\n";
  EXPECT_THAT(Rejection(config), HasSubstr("printable ASCII"));
  config.oem_id = "ABC";
  EXPECT_EQ(Rejection(config), "");
}

}  // namespace
}  // namespace tinyrange::acpi
