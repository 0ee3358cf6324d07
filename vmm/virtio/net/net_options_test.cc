#include "vmm/virtio/net/net_options.h"

#include <gtest/gtest.h>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

// Runs `parse` and returns the VmmError's message ("" if it did not throw).
template <typename F>
std::string ErrorOf(F parse) {
  try {
    parse();
  } catch (const VmmError& e) {
    return e.what();
  }
  return "";
}

TEST(NetOptionsTest, ParsesBackendSpellings) {
  NetOptions options;
  ParseNetBackend("tap=tap0", &options);
  EXPECT_EQ(options.kind, NetOptions::Kind::kTap);
  EXPECT_EQ(options.tap_name, "tap0");
  ParseNetBackend("stream=/run/user/1000/passt.socket", &options);
  EXPECT_EQ(options.kind, NetOptions::Kind::kStream);
  EXPECT_EQ(options.socket_path, "/run/user/1000/passt.socket");
  ParseNetBackend("user", &options);
  EXPECT_EQ(options.kind, NetOptions::Kind::kUser);
}

TEST(NetOptionsTest, RejectsBadBackendsSayingWhatIsAccepted) {
  for (const char* bad : {"", "users", "tap", "tap=", "stream=", "socket=/x", "user=1"}) {
    NetOptions options;
    std::string message = ErrorOf([&] { ParseNetBackend(bad, &options); });
    EXPECT_NE(message.find("user, tap=NAME or stream=PATH"), std::string::npos) << bad << ": " << message;
  }
}

TEST(NetOptionsTest, ParsesPortForwards) {
  PortForward tcp = ParsePortForward("8080:80");
  EXPECT_FALSE(tcp.udp);
  EXPECT_EQ(tcp.host_port, 8080);
  EXPECT_EQ(tcp.guest_port, 80);
  EXPECT_EQ(tcp.host_address, "127.0.0.1");
  EXPECT_FALSE(ParsePortForward("1:65535/tcp").udp);
  PortForward udp = ParsePortForward("5353:53/udp");
  EXPECT_TRUE(udp.udp);
  EXPECT_EQ(udp.host_port, 5353);
  EXPECT_EQ(udp.guest_port, 53);
  PortForward any = ParsePortForward("0.0.0.0:8443:443");
  EXPECT_EQ(any.host_address, "0.0.0.0");
  EXPECT_EQ(any.host_port, 8443);
  EXPECT_EQ(any.guest_port, 443);
}

TEST(NetOptionsTest, RejectsBadPortForwardsSayingWhatIsAccepted) {
  for (const char* bad : {"", "8080", "8080:", ":80", "0:80", "80:0", "65536:80", "80:65536", "8o:80", "80:80/sctp",
                          "80:80/", "-1:80", "localhost:80:80", "1.2.3:80:80", "123456:80"}) {
    std::string message = ErrorOf([&] { ParsePortForward(bad); });
    EXPECT_NE(message.find("HOST_PORT:GUEST_PORT"), std::string::npos) << bad << ": " << message;
  }
}

TEST(NetOptionsTest, PublishingNeedsUserNetworking) {
  NetOptions options;
  options.publish.push_back(ParsePortForward("8080:80"));
  EXPECT_NO_THROW(ValidateNetOptions(options));
  options.kind = NetOptions::Kind::kTap;
  EXPECT_NE(ErrorOf([&] { ValidateNetOptions(options); }).find("user networking"), std::string::npos);
}

TEST(NetOptionsTest, APortPublishedTwiceIsRefused) {
  NetOptions options;
  options.publish = {ParsePortForward("8080:80"), ParsePortForward("8080:80/udp")};
  EXPECT_NO_THROW(ValidateNetOptions(options));
  options.publish.push_back(ParsePortForward("8080:81"));
  EXPECT_NE(ErrorOf([&] { ValidateNetOptions(options); }).find("8080"), std::string::npos);
}

}  // namespace
}  // namespace tinyrange::virtio
