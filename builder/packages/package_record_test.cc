#include "builder/packages/package_record.h"

#include <gtest/gtest.h>

namespace tinyrange::packages {
namespace {

PackageRecord Sample() {
  PackageRecord r;
  r.name = "libc6";
  r.version = "2.36-9+deb12u4";
  r.architecture = "amd64";
  r.depends = "libgcc-s1";
  r.breaks = "hurd (<< 1:0.9.git20220301-2)";
  r.multi_arch = "same";
  r.priority = "optional";
  r.section = "libs";
  r.source = "glibc";
  r.description = "GNU C Library: Shared libraries \"quoted\" \\ and \xc3\xa9";
  r.filename = "pool/main/g/glibc/libc6_2.36-9+deb12u4_amd64.deb";
  r.size = 2757936;
  r.installed_size = 12987 * 1024;
  r.checksum = "sha256:" + std::string(64, 'f');
  return r;
}

TEST(PackageRecordTest, RoundTripsAndIsDeterministic) {
  RecordFile file{{Distro::kDebian, "bookworm/main/amd64"}, {Sample(), Sample()}};
  file.records[1].name = "other";
  file.records[1].essential = true;
  std::string text = SerializeRecordFile(file);
  EXPECT_EQ(text, SerializeRecordFile(file));
  EXPECT_EQ(text.substr(0, text.find('\n')),
            R"({"distro":"debian","format":"tinyrange-records","repo":"bookworm/main/amd64","version":1})");
  std::string error;
  auto back = ParseRecordFile(text, "r.jsonl", &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->header, file.header);
  EXPECT_EQ(back->records, file.records);
}

TEST(PackageRecordTest, EmptyFieldsAreOmitted) {
  PackageRecord r;
  r.name = "a";
  r.version = "1";
  EXPECT_EQ(RecordToJsonLine(r), "{\"name\":\"a\",\"version\":\"1\"}\n");
}

TEST(PackageRecordTest, MalformedFilesNameTheLine) {
  std::string header = HeaderToJsonLine({Distro::kAlpine, "v3.20/main/x86_64"});
  struct Case {
    std::string text;
    std::string expected;
  } cases[] = {
      {"", "r:0: empty record file"},
      {"{\"format\":\"other\"}\n", "r:1: not a tinyrange record file"},
      {"{\"format\":\"tinyrange-records\",\"version\":2,\"distro\":\"debian\"}\n", "r:1: record file version 2"},
      {"{\"format\":\"tinyrange-records\",\"version\":1,\"distro\":\"gentoo\"}\n", "r:1: unknown distro 'gentoo'"},
      {header + "{\"name\":\"a\"}\n", "r:2: a record needs a name and a version"},
      {header + "{\"name\":\"a\",\"version\":\"1\"}\n{\"name\":\"b\",\"version\":1}\n", "r:3: \"version\" must be a string"},
      {header + "{\"name\":\"a\",\"version\":\"1\",\"size\":-1}\n", "r:2: \"size\" must be a non-negative integer"},
      {header + "{\"name\":\"a\",\"version\":\"1\"}\n{\"name\":\"b\",\"ver", "r:3: a truncated or malformed record"},
      {header + "[1,2]\n", "r:2: not a JSON object"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(ParseRecordFile(c.text, "r", &error)) << c.text;
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.text << " -> " << error;
  }
}

TEST(PackageRecordTest, UnknownKeysAreSkipped) {
  std::string text = HeaderToJsonLine({Distro::kDebian, "x"}) + "{\"name\":\"a\",\"version\":\"1\",\"future\":[1,{}]}\n";
  std::string error;
  auto file = ParseRecordFile(text, "r", &error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->records.size(), 1u);
}

}  // namespace
}  // namespace tinyrange::packages
