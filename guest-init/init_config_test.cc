#include "guest-init/init_config.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "guest-init/init_config_writer.h"

namespace tinyrange {
namespace {

using ::testing::HasSubstr;

std::string Magic() { return "tinyrange-init-config 1\n"; }

// Builds "key\0value\0" records.
std::string Rec(std::string_view key, std::string_view value) {
  std::string s(key);
  s.push_back('\0');
  s.append(value);
  s.push_back('\0');
  return s;
}

std::string End() { return Rec("end", ""); }

InitConfig FullConfig() {
  InitConfig c;
  c.argv = {"/bin/sh", "-c", "echo \"$1\"; exit 3", "", std::string("bytes\x01\xff\n\t", 8)};
  c.env = {"HOME=/root", "PATH=/bin", "EMPTY=", "EQ=a=b"};
  c.cwd = "/work dir";
  c.hostname = std::string(64, 'h');
  c.uid = 1000;
  c.gid = 4294967294u;
  c.modules = {{"/lib/modules/virtio.ko", ""},
               {"/lib/modules/virtio_mmio.ko", "device=0x200@0xd0000000:5"},
               {"/lib/modules/virtio_blk.ko", ""}};
  c.console = "/dev/hvc0";
  c.archives_disk = "tr-archives";
  c.capture_disk = std::string(20, 'c');
  c.root_disk = "tr-storage";
  c.ignore_script_errors = true;
  c.shares = {{"work", "/mnt/work", false}, {"ro-tag", "/srv", true}};
  return c;
}

struct Failure {
  std::string message;
  std::string key;
  size_t offset;
};

// Parses input that must fail, and returns the error.
Failure ParseFailure(std::string_view input) {
  InitConfigView view;
  InitConfigError error;
  EXPECT_FALSE(ParseInitConfig(input, &view, &error)) << "accepted a malformed config";
  return {error.message, std::string(error.key), error.offset};
}

TEST(InitConfigTest, RoundTripsEveryField) {
  InitConfig c = FullConfig();
  std::string bytes = EncodeInitConfig(c);
  InitConfig back;
  InitConfigError error;
  ASSERT_TRUE(DecodeInitConfig(bytes, &back, &error)) << error.message;
  EXPECT_EQ(back, c);
  // Encoding is a function of the config.
  EXPECT_EQ(EncodeInitConfig(back), bytes);
}

TEST(InitConfigTest, DefaultsWhenOnlyArgvIsGiven) {
  std::string bytes = Magic() + Rec("argv", "true") + End();
  InitConfigView view;
  InitConfigError error;
  ASSERT_TRUE(ParseInitConfig(bytes, &view, &error)) << error.message;
  EXPECT_EQ(view.argv_count, 1u);
  EXPECT_EQ(view.env_count, 0u);
  EXPECT_EQ(view.module_count, 0u);
  EXPECT_FALSE(view.has_path_env);
  EXPECT_EQ(view.cwd, "/");
  EXPECT_EQ(view.hostname, "tinyrange");
  EXPECT_EQ(view.console, "/dev/console");
  EXPECT_EQ(view.uid, 0u);
  EXPECT_EQ(view.gid, 0u);

  InitConfig decoded;
  ASSERT_TRUE(DecodeInitConfig(bytes, &decoded, &error));
  InitConfig expected;
  expected.argv = {"true"};
  EXPECT_EQ(decoded, expected);
}

TEST(InitConfigTest, EncodingMatchesTheSpecification) {
  InitConfig c;
  c.argv = {"ls", "-l"};
  c.env = {"A=1"};
  c.modules = {{"/m.ko", "p=1"}, {"/n.ko", ""}};
  std::string expected = Magic() + Rec("argv", "ls") + Rec("argv", "-l") + Rec("env", "A=1") +
                         Rec("cwd", "/") + Rec("hostname", "tinyrange") + Rec("uid", "0") +
                         Rec("gid", "0") + Rec("module", "/m.ko") + Rec("module-params", "p=1") +
                         Rec("module", "/n.ko") + Rec("console", "/dev/console") + End();
  EXPECT_EQ(EncodeInitConfig(c), expected);
}

TEST(InitConfigTest, CursorYieldsRecordsInOrderAsCStrings) {
  std::string bytes = EncodeInitConfig(FullConfig());
  InitConfigView view;
  InitConfigError error;
  ASSERT_TRUE(ParseInitConfig(bytes, &view, &error));
  EXPECT_EQ(view.argv_count, 5u);
  EXPECT_EQ(view.env_count, 4u);
  EXPECT_EQ(view.module_count, 3u);
  EXPECT_TRUE(view.has_path_env);
  EXPECT_EQ(view.uid, 1000u);
  EXPECT_EQ(view.gid, 4294967294u);
  EXPECT_EQ(view.cwd.data()[view.cwd.size()], '\0');

  std::vector<std::string> seen;
  InitConfigCursor cursor(view);
  InitConfigRecord r;
  while (cursor.Next(&r)) {
    // Every value is NUL-terminated in place, so guest-init can pass it to
    // the kernel without copying.
    EXPECT_EQ(r.value.data()[r.value.size()], '\0');
    EXPECT_EQ(std::strlen(r.value.data()), r.value.size());
    if (r.key == InitConfigKey::kModule || r.key == InitConfigKey::kModuleParams ||
        r.key == InitConfigKey::kArgv) {
      seen.push_back(std::string(InitConfigKeyName(r.key)) + ":" + std::string(r.value));
    }
    EXPECT_NE(r.key, InitConfigKey::kEnd);
  }
  EXPECT_THAT(seen, ::testing::ElementsAre(
                        "argv:/bin/sh", "argv:-c", "argv:echo \"$1\"; exit 3", "argv:",
                        "argv:" + std::string("bytes\x01\xff\n\t", 8),
                        "module:/lib/modules/virtio.ko", "module:/lib/modules/virtio_mmio.ko",
                        "module-params:device=0x200@0xd0000000:5",
                        "module:/lib/modules/virtio_blk.ko"));
}

TEST(InitConfigTest, WrongMagicOrVersion) {
  Failure f = ParseFailure("");
  EXPECT_THAT(f.message, HasSubstr("bad magic"));
  EXPECT_EQ(f.offset, 0u);

  f = ParseFailure("tinyrange-init-cfg 1\n" + Rec("argv", "x") + End());
  EXPECT_THAT(f.message, HasSubstr("bad magic"));

  f = ParseFailure("#!/bin/sh\necho hi\n");
  EXPECT_THAT(f.message, HasSubstr("bad magic"));

  f = ParseFailure("tinyrange-init-config 2\n" + Rec("argv", "x") + End());
  EXPECT_THAT(f.message, HasSubstr("unsupported config version"));
  EXPECT_EQ(f.offset, 22u);

  f = ParseFailure("tinyrange-init-config 10\n" + Rec("argv", "x") + End());
  EXPECT_THAT(f.message, HasSubstr("unsupported config version"));

  f = ParseFailure("tinyrange-init-config \n" + Rec("argv", "x") + End());
  EXPECT_THAT(f.message, HasSubstr("no version"));
  EXPECT_EQ(f.offset, 22u);

  f = ParseFailure("tinyrange-init-config 1x\n" + Rec("argv", "x") + End());
  EXPECT_THAT(f.message, HasSubstr("malformed version"));
  EXPECT_EQ(f.offset, 23u);

  f = ParseFailure("tinyrange-init-config 1");
  EXPECT_THAT(f.message, HasSubstr("truncated magic line"));

  f = ParseFailure("tinyrange-init-config 1000000000000\n" + Rec("argv", "x") + End());
  EXPECT_THAT(f.message, HasSubstr("version"));
}

TEST(InitConfigTest, EveryTruncationIsDetected) {
  std::string bytes = EncodeInitConfig(FullConfig());
  for (size_t n = 0; n < bytes.size(); ++n) {
    InitConfigView view;
    InitConfigError error;
    EXPECT_FALSE(ParseInitConfig(std::string_view(bytes).substr(0, n), &view, &error))
        << "a config cut to " << n << " of " << bytes.size() << " bytes was accepted";
    EXPECT_LE(error.offset, n);
  }
}

TEST(InitConfigTest, TruncatedRecordsNameTheKey) {
  std::string prefix = Magic() + Rec("argv", "ls");
  Failure f = ParseFailure(prefix + "cwd");
  EXPECT_THAT(f.message, HasSubstr("key without terminator"));
  EXPECT_EQ(f.offset, prefix.size());

  f = ParseFailure(prefix + std::string("cwd\0/ro", 7));
  EXPECT_THAT(f.message, HasSubstr("value without terminator"));
  EXPECT_EQ(f.key, "cwd");
  EXPECT_EQ(f.offset, prefix.size() + 4);

  f = ParseFailure(prefix);
  EXPECT_THAT(f.message, HasSubstr("missing end record"));
  EXPECT_EQ(f.offset, prefix.size());
}

TEST(InitConfigTest, UnknownKey) {
  std::string prefix = Magic() + Rec("argv", "ls");
  Failure f = ParseFailure(prefix + Rec("colour", "red") + End());
  EXPECT_EQ(f.message, "unknown key");
  EXPECT_EQ(f.key, "colour");
  EXPECT_EQ(f.offset, prefix.size());

  // Keys are case-sensitive and exact.
  EXPECT_EQ(ParseFailure(prefix + Rec("ARGV", "x") + End()).key, "ARGV");
  EXPECT_EQ(ParseFailure(prefix + Rec("modules", "x") + End()).key, "modules");
  EXPECT_EQ(ParseFailure(prefix + Rec("", "x") + End()).message, "unknown key");
}

TEST(InitConfigTest, MissingArgv) {
  Failure f = ParseFailure(Magic() + Rec("cwd", "/") + End());
  EXPECT_EQ(f.message, "missing argv");
  EXPECT_EQ(f.offset, Magic().size() + Rec("cwd", "/").size());
  EXPECT_EQ(ParseFailure(Magic() + End()).message, "missing argv");
}

TEST(InitConfigTest, BadNumbers) {
  std::string prefix = Magic() + Rec("argv", "ls");
  for (const char* bad : {"", "-1", "+1", "1.0", "0x10", " 1", "1 ", "4294967295",
                          "4294967296", "99999999999", "abc"}) {
    for (const char* key : {"uid", "gid"}) {
      Failure f = ParseFailure(prefix + Rec(key, bad) + End());
      EXPECT_EQ(f.message, "bad number") << key << "=" << bad;
      EXPECT_EQ(f.key, key);
      EXPECT_EQ(f.offset, prefix.size() + std::strlen(key) + 1) << key << "=" << bad;
    }
  }
  uint32_t v = 1;
  EXPECT_TRUE(ParseId("0", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseId("4294967294", &v));
  EXPECT_EQ(v, 4294967294u);
  EXPECT_TRUE(ParseId("007", &v));
  EXPECT_EQ(v, 7u);
}

TEST(InitConfigTest, DuplicateSingleKeys) {
  std::string prefix = Magic() + Rec("argv", "ls");
  for (const char* key : {"cwd", "hostname", "uid", "gid", "console"}) {
    std::string first = Rec(key, "1");
    Failure f = ParseFailure(prefix + first + Rec(key, "1") + End());
    EXPECT_EQ(f.message, "duplicate key") << key;
    EXPECT_EQ(f.key, key);
    EXPECT_EQ(f.offset, prefix.size() + first.size());
  }
}

TEST(InitConfigTest, InvalidValues) {
  std::string prefix = Magic() + Rec("argv", "ls");
  EXPECT_EQ(ParseFailure(Magic() + Rec("argv", "") + End()).message, "argv[0] is empty");
  EXPECT_EQ(ParseFailure(prefix + Rec("env", "NOEQUALS") + End()).message,
            "env entry is not NAME=value");
  EXPECT_EQ(ParseFailure(prefix + Rec("env", "=value") + End()).message,
            "env entry is not NAME=value");
  EXPECT_EQ(ParseFailure(prefix + Rec("cwd", "") + End()).message, "empty value");
  EXPECT_EQ(ParseFailure(prefix + Rec("console", "") + End()).message, "empty value");
  EXPECT_EQ(ParseFailure(prefix + Rec("module", "") + End()).message, "empty value");
  EXPECT_THAT(ParseFailure(prefix + Rec("hostname", "") + End()).message, HasSubstr("1 to 64"));
  EXPECT_THAT(ParseFailure(prefix + Rec("hostname", std::string(65, 'h')) + End()).message,
              HasSubstr("1 to 64"));
}

TEST(InitConfigTest, ModuleParamsMustFollowAModule) {
  std::string prefix = Magic() + Rec("argv", "ls");
  Failure f = ParseFailure(prefix + Rec("module-params", "a=1") + End());
  EXPECT_THAT(f.message, HasSubstr("does not follow a module"));
  EXPECT_EQ(f.offset, prefix.size());

  std::string twice = prefix + Rec("module", "/m.ko") + Rec("module-params", "a=1");
  f = ParseFailure(twice + Rec("module-params", "b=1") + End());
  EXPECT_THAT(f.message, HasSubstr("does not follow a module"));
  EXPECT_EQ(f.offset, twice.size());

  f = ParseFailure(prefix + Rec("module", "/m.ko") + Rec("argv", "x") +
                   Rec("module-params", "a=1") + End());
  EXPECT_THAT(f.message, HasSubstr("does not follow a module"));
}

TEST(InitConfigTest, EndRecordRules) {
  std::string body = Magic() + Rec("argv", "ls");
  Failure f = ParseFailure(body + Rec("end", "x"));
  EXPECT_EQ(f.message, "end record has a value");

  f = ParseFailure(body + End() + Rec("argv", "more"));
  EXPECT_EQ(f.message, "data after end record");
  EXPECT_EQ(f.offset, body.size() + End().size());

  f = ParseFailure(body + End() + std::string(1, '\0'));
  EXPECT_EQ(f.message, "data after end record");
}

TEST(InitConfigTest, EncoderRejectsWhatTheParserWould) {
  InitConfig ok;
  ok.argv = {"true"};
  EXPECT_NO_THROW(EncodeInitConfig(ok));

  auto expect_rejected = [](InitConfig c, const char* what) {
    try {
      EncodeInitConfig(c);
      ADD_FAILURE() << "encoded an invalid config (" << what << ")";
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr(what));
    }
  };
  InitConfig c = ok;
  c.argv.clear();
  expect_rejected(c, "missing argv");
  c = ok;
  c.argv = {""};
  expect_rejected(c, "argv[0] is empty");
  c = ok;
  c.argv.push_back(std::string("a\0b", 3));
  expect_rejected(c, "argv contains a NUL");
  c = ok;
  c.env = {"PATH"};
  expect_rejected(c, "env entry");
  c = ok;
  c.hostname = std::string(65, 'x');
  expect_rejected(c, "hostname");
  c = ok;
  c.console = "";
  expect_rejected(c, "empty value");
  c = ok;
  c.modules = {{"/m.ko", std::string("a\0", 2)}};
  expect_rejected(c, "module params contains a NUL");
  c = ok;
  c.uid = 4294967295u;
  expect_rejected(c, "bad number");
}

TEST(InitConfigTest, ErrorMessagesAreReadable) {
  char buf[128];
  InitConfigError e{"unknown key", std::string_view("bad\x01key", 7), 42};
  FormatInitConfigError(e, buf, sizeof(buf));
  EXPECT_STREQ(buf, "unknown key (key \"bad?key\") at byte 42");

  e = InitConfigError{"missing argv", {}, 7};
  FormatInitConfigError(e, buf, sizeof(buf));
  EXPECT_STREQ(buf, "missing argv at byte 7");

  // A long garbage key is cut, and a small buffer is never overrun.
  std::string long_key(1000, 'k');
  e = InitConfigError{"unknown key", long_key, 1};
  FormatInitConfigError(e, buf, sizeof(buf));
  EXPECT_LT(std::strlen(buf), 80u);
  char tiny[8];
  FormatInitConfigError(e, tiny, sizeof(tiny));
  EXPECT_EQ(std::strlen(tiny), 7u);
}

}  // namespace
}  // namespace tinyrange

namespace tinyrange {
namespace {

TEST(InitConfigNetTest, RoundTripsAndParsesTheInterface) {
  InitConfig c;
  c.argv = {"/bin/true"};
  c.net = "eth0 10.0.2.15/24 10.0.2.2 10.0.2.3";
  std::string bytes = EncodeInitConfig(c);
  InitConfig back;
  InitConfigError error;
  ASSERT_TRUE(DecodeInitConfig(bytes, &back, &error));
  EXPECT_EQ(back.net, c.net);
  InitNetConfig net;
  ASSERT_TRUE(ParseInitNetConfig(back.net, &net));
  EXPECT_STREQ(net.interface, "eth0");
  EXPECT_EQ(net.address[0], 10);
  EXPECT_EQ(net.address[3], 15);
  EXPECT_EQ(net.prefix_length, 24u);
  EXPECT_EQ(net.gateway[3], 2);
  EXPECT_EQ(net.dns[3], 3);
}

TEST(InitConfigNetTest, MalformedValuesAreRefused) {
  std::string prefix = "tinyrange-init-config 1\n" + std::string("argv\0ls\0", 8);
  auto with_net = [&](const std::string& value) {
    return prefix + "net" + std::string(1, '\0') + value + std::string(1, '\0') + std::string("end\0\0", 5);
  };
  for (const char* bad : {"", "eth0", "eth0 10.0.2.15 10.0.2.2 10.0.2.3", "eth0 10.0.2.15/33 10.0.2.2 10.0.2.3",
                          "eth0 10.0.2.256/24 10.0.2.2 10.0.2.3", "eth0 10.0.2/24 10.0.2.2 10.0.2.3",
                          "eth0 10.0.2.15/24 10.0.2.2", "eth0 10.0.2.15/24 10.0.2.2 10.0.2.3 extra",
                          "an-interface-name-too-long 10.0.2.15/24 10.0.2.2 10.0.2.3", "a/b 10.0.2.15/24 10.0.2.2 10.0.2.3"}) {
    InitConfigView view;
    InitConfigError error;
    EXPECT_FALSE(ParseInitConfig(with_net(bad), &view, &error)) << bad;
    EXPECT_STREQ(error.message, "expected IFACE ADDRESS/PREFIX GATEWAY DNS") << bad;
  }
  InitConfig c;
  c.argv = {"/bin/true"};
  c.net = "eth0 nonsense";
  EXPECT_THROW(EncodeInitConfig(c), std::invalid_argument);
}

TEST(InitConfigFullDutyTest, NewKeysParseIntoTheView) {
  std::string bytes = Magic() + Rec("argv", "ls") + Rec("archives", "arch0") +
                      Rec("capture", "cap!~") + Rec("script-errors", "ignore") +
                      Rec("share", "tag /a") + Rec("share", "t2 /b/c ro") + End();
  InitConfigView view;
  InitConfigError error;
  ASSERT_TRUE(ParseInitConfig(bytes, &view, &error)) << error.message;
  EXPECT_EQ(view.archives, "arch0");
  EXPECT_EQ(view.capture, "cap!~");
  EXPECT_TRUE(view.ignore_script_errors);
  EXPECT_EQ(view.share_count, 2u);
  // The value is a C string in the buffer, ready for the guest.
  EXPECT_EQ(view.archives.data()[view.archives.size()], '\0');

  ASSERT_TRUE(ParseInitConfig(Magic() + Rec("argv", "ls") + Rec("script-errors", "fail") + End(),
                              &view, &error));
  EXPECT_FALSE(view.ignore_script_errors);
  EXPECT_TRUE(view.archives.empty());
  EXPECT_TRUE(view.capture.empty());
  EXPECT_EQ(view.share_count, 0u);
}

TEST(InitConfigFullDutyTest, DiskIdRules) {
  std::string prefix = Magic() + Rec("argv", "ls");
  for (std::string bad : {std::string(), std::string(21, 'a'), std::string("a b"),
                          std::string("a\tb"), std::string("\x7f"), std::string("caf\xc3\xa9")}) {
    Failure f = ParseFailure(prefix + Rec("archives", bad) + End());
    EXPECT_THAT(f.message, HasSubstr("disk id")) << bad;
    EXPECT_EQ(f.key, "archives");
    EXPECT_EQ(f.offset, prefix.size() + 9);
    f = ParseFailure(prefix + Rec("archives", "a") + Rec("capture", bad) + End());
    EXPECT_THAT(f.message, HasSubstr("disk id")) << bad;
    EXPECT_EQ(f.key, "capture");
  }
  EXPECT_TRUE(IsValidDiskId(std::string(20, '~')));
  EXPECT_FALSE(IsValidDiskId(std::string(21, '~')));
}

TEST(InitConfigFullDutyTest, CaptureNeedsArchives) {
  std::string prefix = Magic() + Rec("argv", "ls");
  Failure f = ParseFailure(prefix + Rec("capture", "c") + End());
  EXPECT_EQ(f.message, "capture without archives");
  EXPECT_EQ(f.key, "capture");
  EXPECT_EQ(f.offset, prefix.size());
  // The order of the records does not matter.
  InitConfigView view;
  InitConfigError error;
  EXPECT_TRUE(
      ParseInitConfig(prefix + Rec("capture", "c") + Rec("archives", "a") + End(), &view, &error));
  InitConfig c;
  c.argv = {"ls"};
  c.capture_disk = "c";
  EXPECT_THROW(EncodeInitConfig(c), std::invalid_argument);
}

TEST(InitConfigFullDutyTest, RootDiskNeedsArchivesAndADiskId) {
  std::string prefix = Magic() + Rec("argv", "ls");
  InitConfigView view;
  InitConfigError error;
  ASSERT_TRUE(ParseInitConfig(prefix + Rec("root-disk", "tr-storage") + Rec("archives", "a") + End(), &view, &error))
      << error.message;
  EXPECT_EQ(view.root_disk, "tr-storage");
  EXPECT_EQ(view.root_disk.data()[view.root_disk.size()], '\0');
  Failure f = ParseFailure(prefix + Rec("root-disk", "r") + End());
  EXPECT_EQ(f.message, "root-disk without archives");
  EXPECT_EQ(f.key, "root-disk");
  EXPECT_EQ(f.offset, prefix.size());
  f = ParseFailure(prefix + Rec("archives", "a") + Rec("root-disk", "a b") + End());
  EXPECT_THAT(f.message, HasSubstr("disk id"));
  f = ParseFailure(prefix + Rec("archives", "a") + Rec("root-disk", "r") + Rec("root-disk", "r") + End());
  EXPECT_EQ(f.message, "duplicate key");
  InitConfig c;
  c.argv = {"ls"};
  c.root_disk = "r";
  EXPECT_THROW(EncodeInitConfig(c), std::invalid_argument);
}

TEST(InitConfigFullDutyTest, DuplicatesAndBadValues) {
  std::string prefix = Magic() + Rec("argv", "ls");
  for (const char* key : {"archives", "capture", "script-errors"}) {
    std::string value = std::string(key) == "script-errors" ? "fail" : "d";
    std::string first = Rec("archives", "x") + Rec(key, value);
    if (std::string(key) == "archives") first = Rec(key, value);
    Failure f = ParseFailure(prefix + first + Rec(key, value) + End());
    EXPECT_EQ(f.message, "duplicate key") << key;
    EXPECT_EQ(f.key, key);
    EXPECT_EQ(f.offset, prefix.size() + first.size());
  }
  for (const char* bad : {"", "Ignore", "fail ", "yes"}) {
    Failure f = ParseFailure(prefix + Rec("script-errors", bad) + End());
    EXPECT_THAT(f.message, HasSubstr("ignore")) << bad;
    EXPECT_EQ(f.key, "script-errors");
  }
  for (const char* bad :
       {"", "tag", "tag ", " /p", "tag p", "tag /p rw", "tag /p ro ", "tag /p ro x", "tag  /p"}) {
    Failure f = ParseFailure(prefix + Rec("share", bad) + End());
    EXPECT_THAT(f.message, HasSubstr("TAG PATH")) << bad;
    EXPECT_EQ(f.key, "share");
    EXPECT_EQ(f.offset, prefix.size() + 6) << bad;
  }
}

TEST(InitConfigFullDutyTest, ShareValues) {
  InitShareView share;
  ASSERT_TRUE(ParseInitShare("tag /mnt/x", &share));
  EXPECT_EQ(share.tag, "tag");
  EXPECT_EQ(share.path, "/mnt/x");
  EXPECT_FALSE(share.read_only);
  ASSERT_TRUE(ParseInitShare("t / ro", &share));
  EXPECT_EQ(share.path, "/");
  EXPECT_TRUE(share.read_only);
}

TEST(InitConfigFullDutyTest, EncoderWritesNewKeysOnlyWhenSet) {
  InitConfig c;
  c.argv = {"ls"};
  std::string plain = EncodeInitConfig(c);
  EXPECT_EQ(plain.find("archives"), std::string::npos);
  EXPECT_EQ(plain.find("script-errors"), std::string::npos);
  c.archives_disk = "a";
  c.shares = {{"t", "/p", true}};
  std::string bytes = EncodeInitConfig(c);
  EXPECT_NE(bytes.find(Rec("archives", "a")), std::string::npos);
  EXPECT_NE(bytes.find(Rec("share", "t /p ro")), std::string::npos);
  c.shares = {{"t", "relative", false}};
  EXPECT_THROW(EncodeInitConfig(c), std::invalid_argument);
  c.shares = {{"t t", "/p", false}};
  EXPECT_THROW(EncodeInitConfig(c), std::invalid_argument);
  c.shares.clear();
  c.archives_disk = "has space";
  EXPECT_THROW(EncodeInitConfig(c), std::invalid_argument);
}

}  // namespace
}  // namespace tinyrange

namespace tinyrange {
namespace {

TEST(InitConfigStderrTest, StderrDeviceParsesAndRoundTrips) {
  std::string bytes = "tinyrange-init-config 1\n" + std::string("argv\0ls\0", 8) +
                      std::string("console\0/dev/hvc0\0", 18) + std::string("stderr\0/dev/ttyS0\0", 18) +
                      std::string("end\0\0", 5);
  InitConfigView view;
  InitConfigError error;
  ASSERT_TRUE(ParseInitConfig(bytes, &view, &error)) << error.message;
  EXPECT_EQ(view.console, "/dev/hvc0");
  EXPECT_EQ(view.stderr_console, "/dev/ttyS0");

  InitConfig config;
  config.argv = {"ls"};
  config.stderr_console = "/dev/ttyS0";
  InitConfig decoded;
  ASSERT_TRUE(DecodeInitConfig(EncodeInitConfig(config), &decoded, &error)) << error.message;
  EXPECT_EQ(decoded, config);
}

TEST(InitConfigStderrTest, StderrMustBeAnAbsolutePathAndSingle) {
  std::string head = "tinyrange-init-config 1\n" + std::string("argv\0ls\0", 8);
  InitConfigView view;
  InitConfigError error;
  EXPECT_FALSE(ParseInitConfig(head + std::string("stderr\0ttyS0\0", 13) + std::string("end\0\0", 5), &view, &error));
  EXPECT_STREQ(error.message, "expected an absolute device path");
  EXPECT_FALSE(ParseInitConfig(head + std::string("stderr\0/a\0", 10) + std::string("stderr\0/b\0", 10) +
                                   std::string("end\0\0", 5),
                               &view, &error));
  EXPECT_STREQ(error.message, "duplicate key");
  InitConfig config;
  config.argv = {"ls"};
  config.stderr_console = "relative";
  EXPECT_THROW(EncodeInitConfig(config), std::invalid_argument);
}

}  // namespace
}  // namespace tinyrange

namespace tinyrange {
namespace {

TEST(InitConfigOutputTest, OutputIsADiskAndAnAbsolutePath) {
  std::string head = "tinyrange-init-config 1\n" + std::string("argv\0ls\0", 8);
  std::string end("end\0\0", 5);
  InitConfigView view;
  InitConfigError error;
  ASSERT_TRUE(ParseInitConfig(head + std::string("output\0tr-output /out/file.tar\0", 31) + end, &view, &error))
      << error.message;
  std::string_view disk, path;
  ASSERT_TRUE(ParseInitOutput(view.output, &disk, &path));
  EXPECT_EQ(disk, "tr-output");
  EXPECT_EQ(path, "/out/file.tar");
  EXPECT_FALSE(ParseInitConfig(head + std::string("output\0tr-output relative\0", 26) + end, &view, &error));
  EXPECT_FALSE(ParseInitConfig(head + std::string("output\0/no-disk\0", 16) + end, &view, &error));
  InitConfig config;
  config.argv = {"ls"};
  config.output = "tr-output /x";
  InitConfig decoded;
  ASSERT_TRUE(DecodeInitConfig(EncodeInitConfig(config), &decoded, &error));
  EXPECT_EQ(decoded.output, "tr-output /x");
}

}  // namespace
}  // namespace tinyrange

namespace tinyrange {
namespace {

TEST(InitConfigStdinTest, StdinPortParsesAndRoundTrips) {
  std::string head = "tinyrange-init-config 1\n" + std::string("argv\0cat\0", 9);
  std::string end("end\0\0", 5);
  InitConfigView view;
  InitConfigError error;
  ASSERT_TRUE(ParseInitConfig(head + std::string("stdin\0tinyrange.stdin\0", 22) + end, &view, &error))
      << error.message;
  EXPECT_EQ(view.stdin_port, "tinyrange.stdin");
  EXPECT_FALSE(ParseInitConfig(head + std::string("stdin\0a/b\0", 10) + end, &view, &error));
  EXPECT_STREQ(error.message, "port name must be 1 to 64 letters, digits, '.', '_' or '-'");
  EXPECT_FALSE(ParseInitConfig(head + std::string("stdin\0\0", 7) + end, &view, &error));
  EXPECT_FALSE(ParseInitConfig(head + std::string("stdin\0a\0", 8) + std::string("stdin\0b\0", 8) + end, &view,
                               &error));
  EXPECT_STREQ(error.message, "duplicate key");

  InitConfig config;
  config.argv = {"cat"};
  config.stdin_port = "tinyrange.stdin";
  InitConfig decoded;
  ASSERT_TRUE(DecodeInitConfig(EncodeInitConfig(config), &decoded, &error)) << error.message;
  EXPECT_EQ(decoded, config);
  config.stdin_port = std::string(65, 'x');
  EXPECT_THROW(EncodeInitConfig(config), std::invalid_argument);
}

}  // namespace
}  // namespace tinyrange

namespace tinyrange {
namespace {

TEST(InitConfigWinsizeTest, WinsizeParsesRoundTripsAndIsChecked) {
  std::string head = "tinyrange-init-config 1\n" + std::string("argv\0sh\0", 8);
  std::string end("end\0\0", 5);
  InitConfigView view;
  InitConfigError error;
  ASSERT_TRUE(ParseInitConfig(head + std::string("winsize\0" "101x33\0", 15) + end, &view, &error)) << error.message;
  EXPECT_EQ(view.winsize_cols, 101);
  EXPECT_EQ(view.winsize_rows, 33);
  for (std::string bad : {"0x5", "5x0", "65536x1", "80", "x24", "80x", "80x24x1", "-1x5"}) {
    EXPECT_FALSE(ParseInitConfig(head + "winsize" + std::string(1, '\0') + bad + std::string(1, '\0') + end, &view,
                                 &error))
        << bad;
    EXPECT_STREQ(error.message, "expected COLSxROWS, each 1 to 65535") << bad;
  }
  InitConfig config;
  config.argv = {"sh"};
  config.winsize_cols = 65535;
  config.winsize_rows = 1;
  InitConfig decoded;
  ASSERT_TRUE(DecodeInitConfig(EncodeInitConfig(config), &decoded, &error)) << error.message;
  EXPECT_EQ(decoded, config);
}

}  // namespace
}  // namespace tinyrange
