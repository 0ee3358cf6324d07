#include "builder/install/deb_control.h"

#include <gtest/gtest.h>

namespace tinyrange::install {
namespace {

TEST(DebControlTest, ParsesFieldsAndContinuations) {
  std::vector<ControlField> fields;
  std::string error;
  ASSERT_TRUE(
      ParseControlStanza("package: a\nDescription: short\n long\n .\n more\n\nPackage: second\n", &fields, &error))
      << error;
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].name, "package");
  EXPECT_EQ(FieldValue(fields, "Package"), "a");
  EXPECT_EQ(FieldValue(fields, "description"), "short\n long\n .\n more");
  EXPECT_EQ(FieldValue(fields, "Version"), "");
}

TEST(DebControlTest, RejectsMalformedStanzas) {
  std::vector<ControlField> fields;
  std::string error;
  EXPECT_FALSE(ParseControlStanza(" continuation first\n", &fields, &error));
  EXPECT_EQ(error, "line 1 continues a field but no field came before it");
  EXPECT_FALSE(ParseControlStanza("Package: a\nno colon here\n", &fields, &error));
  EXPECT_EQ(error, "line 2 is not a \"Field: value\" line");
}

TEST(DebControlTest, StatusStanzaCanonicalisesAndDrops) {
  std::vector<ControlField> fields = {
      {"package", "p"},     {"Status", "purge ok not-installed"}, {"X-Custom", "yes"}, {"Protected", "yes"},
      {"Essential", "yes"}, {"Filename", "pool/p.deb"},           {"Version", "1"},    {"Description", "d"}};
  EXPECT_EQ(StatusStanza(fields, " /etc/p.conf newconffile"),
            "Package: p\nEssential: yes\nProtected: yes\nStatus: install ok installed\nVersion: 1\n"
            "Conffiles:\n /etc/p.conf newconffile\nDescription: d\nX-Custom: yes\n\n");
}

TEST(DebControlTest, Triggers) {
  DebTriggers triggers;
  std::string error;
  ASSERT_TRUE(
      ParseDebTriggers("# c\n\ninterest a\ninterest-await /usr/x\ninterest-noawait b\nactivate c\n"
                       "activate-await d\nactivate-noawait e\n",
                       &triggers, &error))
      << error;
  EXPECT_EQ(triggers.interests, (std::vector<std::string>{"a", "/usr/x", "b"}));
  EXPECT_EQ(triggers.activations, (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_FALSE(ParseDebTriggers("interest\n", &triggers, &error));
  EXPECT_EQ(error, "\"interest\" is not \"DIRECTIVE TRIGGER-NAME\"");
  EXPECT_FALSE(ParseDebTriggers("interest a b\n", &triggers, &error));
}

TEST(DebControlTest, Md5sumsAndConffiles) {
  auto sums = ParseMd5sums("aaaa  usr/bin/x\nbbbb  ./etc/y\ncccc *usr/z\n");
  EXPECT_EQ(sums.at("usr/bin/x"), "aaaa");
  EXPECT_EQ(sums.at("etc/y"), "bbbb");
  EXPECT_EQ(sums.at("usr/z"), "cccc");
  std::vector<Conffile> conffiles = ParseConffiles("/etc/a\nremove-on-upgrade /etc/b\n");
  ASSERT_EQ(conffiles.size(), 2u);
  EXPECT_EQ(conffiles[0].path, "/etc/a");
  EXPECT_TRUE(conffiles[0].flags.empty());
  EXPECT_EQ(conffiles[1].path, "/etc/b");
  EXPECT_EQ(conffiles[1].flags, std::vector<std::string>{"remove-on-upgrade"});
}

}  // namespace
}  // namespace tinyrange::install
