#include "vmm/arch/x86_64/acpi/aml_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace tinyrange::acpi::aml {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// Decodes a PkgLength independently of the encoder: returns {value, bytes}.
std::pair<size_t, size_t> DecodePkgLength(const Bytes& b, size_t at) {
  size_t follow = b.at(at) >> 6;
  if (follow == 0) return {b[at] & 0x3f, 1};
  size_t value = b[at] & 0x0f;
  for (size_t i = 0; i < follow; ++i) value |= size_t{b.at(at + 1 + i)} << (4 + 8 * i);
  return {value, follow + 1};
}

Bytes Chars(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(AmlPkgLengthTest, OneByteUpTo63) {
  EXPECT_THAT(PkgLength(0), ElementsAre(0x00));
  EXPECT_THAT(PkgLength(1), ElementsAre(0x01));
  EXPECT_THAT(PkgLength(63), ElementsAre(0x3f));
}

TEST(AmlPkgLengthTest, TwoBytesFrom64To4095) {
  // Lead byte: 01 in bits 7:6, low nibble of the value; then value >> 4.
  EXPECT_THAT(PkgLength(64), ElementsAre(0x40, 0x04));
  EXPECT_THAT(PkgLength(0x123), ElementsAre(0x43, 0x12));
  EXPECT_THAT(PkgLength(4095), ElementsAre(0x4f, 0xff));
}

TEST(AmlPkgLengthTest, ThreeAndFourBytes) {
  EXPECT_THAT(PkgLength(4096), ElementsAre(0x80, 0x00, 0x01));
  EXPECT_THAT(PkgLength(0xfffff), ElementsAre(0x8f, 0xff, 0xff));
  EXPECT_THAT(PkgLength(0x100000), ElementsAre(0xc0, 0x00, 0x00, 0x01));
  EXPECT_THAT(PkgLength(0x1234567), ElementsAre(0xc7, 0x56, 0x34, 0x12));
  EXPECT_THAT(PkgLength(kMaxPkgLength), ElementsAre(0xcf, 0xff, 0xff, 0xff));
  EXPECT_THROW(PkgLength(kMaxPkgLength + 1), std::invalid_argument);
}

TEST(AmlPkgLengthTest, WithPkgLengthCountsItsOwnBytes) {
  struct Case {
    size_t body;
    size_t encoding;
  };
  // A body of 62 bytes makes a package of 63, the most one byte can say;
  // 63 needs the two-byte form (65 in all). Likewise at 4095/4096.
  for (Case c :
       {Case{0, 1}, Case{62, 1}, Case{63, 2}, Case{4093, 2}, Case{4094, 3}, Case{0xffffc, 3}, Case{0xffffd, 4}}) {
    Bytes body(c.body, 0xaa);
    Bytes out = WithPkgLength(body);
    auto [value, used] = DecodePkgLength(out, 0);
    EXPECT_EQ(used, c.encoding) << "body " << c.body;
    EXPECT_EQ(value, c.body + c.encoding) << "body " << c.body;
    EXPECT_EQ(out.size(), value) << "body " << c.body;
  }
}

TEST(AmlPkgLengthTest, PackagesAroundTheBoundaries) {
  // Buffer: BufferOp PkgLength(BufferSize data). With n data bytes the
  // package is n + size-of-BufferSize + PkgLength bytes.
  for (size_t n : {55u, 56u, 57u, 58u, 59u, 60u, 61u, 62u, 63u, 4085u, 4090u, 4091u, 4092u, 4093u, 4094u, 5000u}) {
    Bytes buffer = Buffer(Bytes(n, 0x11));
    ASSERT_EQ(buffer[0], 0x11);
    auto [value, used] = DecodePkgLength(buffer, 1);
    EXPECT_EQ(value, buffer.size() - 1) << n;
    // The shortest form that can hold the value.
    EXPECT_EQ(used, value <= 63 ? 1u : value <= 4095 ? 2u : 3u) << n;
  }
  // Exactly 63 and 64: BufferSize for n < 256 is BytePrefix n (two bytes).
  EXPECT_EQ(DecodePkgLength(Buffer(Bytes(60, 0)), 1).first, 63u);
  EXPECT_EQ(DecodePkgLength(Buffer(Bytes(61, 0)), 1).first, 65u);  // 64 is not reachable: the form grows
}

TEST(AmlIntegerTest, ChoosesTheSmallestEncoding) {
  EXPECT_THAT(Integer(0), ElementsAre(0x00));  // ZeroOp
  EXPECT_THAT(Integer(1), ElementsAre(0x01));  // OneOp
  EXPECT_THAT(Integer(2), ElementsAre(0x0a, 0x02));
  EXPECT_THAT(Integer(0xff), ElementsAre(0x0a, 0xff));
  EXPECT_THAT(Integer(0x100), ElementsAre(0x0b, 0x00, 0x01));
  EXPECT_THAT(Integer(0xffff), ElementsAre(0x0b, 0xff, 0xff));
  EXPECT_THAT(Integer(0x10000), ElementsAre(0x0c, 0x00, 0x00, 0x01, 0x00));
  EXPECT_THAT(Integer(0xd0001000), ElementsAre(0x0c, 0x00, 0x10, 0x00, 0xd0));
  EXPECT_THAT(Integer(0xffffffff), ElementsAre(0x0c, 0xff, 0xff, 0xff, 0xff));
  EXPECT_THAT(Integer(0x100000000), ElementsAre(0x0e, 0, 0, 0, 0, 1, 0, 0, 0));
  EXPECT_THAT(Integer(UINT64_MAX), ElementsAre(0x0e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
  EXPECT_THAT(Ones(), ElementsAre(0xff));
}

TEST(AmlNameTest, NameSegsArePaddedWithUnderscores) {
  EXPECT_EQ(NameSeg("_SB"), Chars("_SB_"));
  EXPECT_EQ(NameSeg("A"), Chars("A___"));
  EXPECT_EQ(NameSeg("_S5"), Chars("_S5_"));
  EXPECT_EQ(NameSeg("VR07"), Chars("VR07"));
  for (const char* bad : {"", "ABCDE", "1ABC", "a", "A-B", "_S5 "}) {
    EXPECT_THROW(NameSeg(bad), std::invalid_argument) << bad;
  }
}

TEST(AmlNameTest, NamePaths) {
  EXPECT_EQ(NameString("COM1"), Chars("COM1"));
  EXPECT_EQ(NameString("\\_SB"), Chars("\\_SB_"));
  EXPECT_THAT(NameString("\\"), ElementsAre('\\', 0x00));
  EXPECT_EQ(NameString("^^FOO"), Chars("^^FOO_"));
  Bytes dual{'\\', 0x2e};
  auto segs = Chars("_SB_COM1");
  dual.insert(dual.end(), segs.begin(), segs.end());
  EXPECT_EQ(NameString("\\_SB.COM1"), dual);
  Bytes multi{0x2f, 3};
  segs = Chars("A___B___C___");
  multi.insert(multi.end(), segs.begin(), segs.end());
  EXPECT_EQ(NameString("A.B.C"), multi);
  for (const char* bad : {"", "A..B", "A.", ".A", "\\\\A", "^\\A", "a.b"}) {
    EXPECT_THROW(NameString(bad), std::invalid_argument) << bad;
  }
}

TEST(AmlDataTest, StringsAreNulTerminated) {
  EXPECT_THAT(String("LNRO0005"), ElementsAre(0x0d, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00));
  EXPECT_THAT(String(""), ElementsAre(0x0d, 0x00));
  EXPECT_THROW(String(std::string("a\0b", 3)), std::invalid_argument);
  EXPECT_THROW(String("\x80"), std::invalid_argument);
}

TEST(AmlDataTest, EisaIdCompressesThreeLettersAndFourDigits) {
  // "PNP0501" is the well-known DWord 0x0105d041.
  EXPECT_THAT(EisaId("PNP0501"), ElementsAre(0x0c, 0x41, 0xd0, 0x05, 0x01));
  EXPECT_THAT(EisaId("PNP0303"), ElementsAre(0x0c, 0x41, 0xd0, 0x03, 0x03));
  EXPECT_THAT(EisaId("ABC12EF"), ElementsAre(0x0c, 0x04, 0x43, 0x12, 0xef));
  for (const char* bad : {"pnp0501", "PNP050", "PNP05011", "PNP05G1", "1NP0501"}) {
    EXPECT_THROW(EisaId(bad), std::invalid_argument) << bad;
  }
}

TEST(AmlDataTest, PackageCountsElements) {
  EXPECT_THAT(Package({Integer(5), Integer(5)}), ElementsAre(0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x05));
  EXPECT_THAT(Package({}), ElementsAre(0x12, 0x02, 0x00));
  EXPECT_THROW(Package(std::vector<Bytes>(256, Integer(0))), std::invalid_argument);
}

TEST(AmlDataTest, BufferHasItsSizeFirst) {
  EXPECT_THAT(Buffer({0xaa, 0xbb}), ElementsAre(0x11, 0x05, 0x0a, 0x02, 0xaa, 0xbb));
  EXPECT_THAT(Buffer({}), ElementsAre(0x11, 0x02, 0x00));
}

TEST(AmlObjectTest, NameDeviceScope) {
  EXPECT_THAT(Name("_UID", Integer(0)), ElementsAre(0x08, '_', 'U', 'I', 'D', 0x00));
  EXPECT_THAT(Device("VR00", {Name("_UID", Integer(0))}),
              ElementsAre(0x5b, 0x82, 11, 'V', 'R', '0', '0', 0x08, '_', 'U', 'I', 'D', 0x00));
  EXPECT_THAT(Scope("\\_SB", {}), ElementsAre(0x10, 6, '\\', '_', 'S', 'B', '_'));
  // Terms follow each other in order.
  EXPECT_THAT(Scope("\\", {Name("A", Integer(1)), Name("B", Integer(0))}),
              ElementsAre(0x10, 15, '\\', 0x00, 0x08, 'A', '_', '_', '_', 0x01, 0x08, 'B', '_', '_', '_', 0x00));
}

TEST(AmlObjectTest, Method) {
  EXPECT_THAT(Method("_STA", 0, false, {Return(Integer(0x0f))}),
              ElementsAre(0x14, 9, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f));
  // Flags: argument count in bits 2:0, SerializeFlag in bit 3.
  EXPECT_THAT(Method("M", 2, true, {}), ElementsAre(0x14, 6, 'M', '_', '_', '_', 0x0a));
  EXPECT_THROW(Method("M", 8, false, {}), std::invalid_argument);
}

TEST(AmlObjectTest, LargeDeviceUsesLongPkgLength) {
  std::vector<Bytes> terms;
  for (int i = 0; i < 1000; ++i) terms.push_back(Name("X", Integer(0x12345678)));  // 10 bytes each
  Bytes device = Device("BIG", terms);
  ASSERT_GE(device.size(), 2u);
  auto [value, used] = DecodePkgLength(device, 2);
  EXPECT_EQ(used, 3u);
  EXPECT_EQ(value, device.size() - 2);
  EXPECT_EQ(value, 3u + 4u + 10000u);
}

}  // namespace
}  // namespace tinyrange::acpi::aml
