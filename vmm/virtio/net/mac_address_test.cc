#include "vmm/virtio/net/mac_address.h"

#include <gtest/gtest.h>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

TEST(MacAddressTest, DefaultIsLocallyAdministeredUnicast) {
  EXPECT_EQ(kDefaultMac[0] & 0x02, 0x02);
  EXPECT_EQ(kDefaultMac[0] & 0x01, 0x00);
}

TEST(MacAddressTest, ParsesAndFormats) {
  EXPECT_EQ(ParseMacAddress("02:aB:cd:EF:00:9f"), (MacAddress{0x02, 0xab, 0xcd, 0xef, 0x00, 0x9f}));
  EXPECT_EQ(FormatMacAddress({0x02, 0x74, 0x72, 0, 0, 1}), "02:74:72:00:00:01");
}

TEST(MacAddressTest, RejectsBadSpellingsSayingWhatIsAccepted) {
  for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:0g", "02-00-00-00-00-01", "02:00:00:00:00:001",
                          "2:00:00:00:00:01:"}) {
    try {
      ParseMacAddress(bad);
      ADD_FAILURE() << bad;
    } catch (const VmmError& e) {
      EXPECT_NE(std::string(e.what()).find("six two-digit hex bytes"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(ParseMacAddress("01:00:5e:00:00:01"), VmmError);  // multicast
}

}  // namespace
}  // namespace tinyrange::virtio
