#include "guest-init/install_steps.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tinyrange {
namespace {

using ::testing::HasSubstr;

std::string Rec(std::string_view key, std::string_view value) {
  std::string s(key);
  s.push_back('\0');
  s.append(value);
  s.push_back('\0');
  return s;
}
std::string Magic() { return std::string(kInstallStepsMagic); }
std::string End() { return Rec("end", ""); }

struct Parsed {
  std::string label;
  std::vector<std::string> argv;
  std::vector<std::string> env;
};

// Parses a file that must be valid.
std::vector<Parsed> ParseAll(const std::string& data) {
  std::vector<Parsed> out;
  InstallStepsReader reader(data);
  InstallStepView step;
  while (reader.Next(&step)) {
    Parsed p;
    p.label = step.label;
    std::string_view records = step.records, key, value;
    while (NextInstallStepRecord(&records, &key, &value)) {
      EXPECT_EQ(value.data()[value.size()], '\0') << "values are C strings in the buffer";
      (key == "argv" ? p.argv : p.env).emplace_back(value);
    }
    EXPECT_EQ(p.argv.size(), step.argv_count);
    EXPECT_EQ(p.env.size(), step.env_count);
    out.push_back(p);
  }
  EXPECT_FALSE(reader.failed()) << reader.error().message;
  return out;
}

InitConfigError Failure(const std::string& data) {
  InstallStepsReader reader(data);
  InstallStepView step;
  while (reader.Next(&step)) {
  }
  EXPECT_TRUE(reader.failed()) << "accepted a malformed file";
  return reader.error();
}

TEST(InstallStepsTest, ParsesSteps) {
  std::string data = Magic() + Rec("step", "busybox: postinst configure") +
                     Rec("argv", "/var/lib/dpkg/info/busybox.postinst") + Rec("argv", "configure") +
                     Rec("argv", "") + Rec("env", "DPKG_MAINTSCRIPT_PACKAGE=busybox") +
                     Rec("step", "second") + Rec("env", "A=1") + Rec("argv", "/bin/true") + End();
  std::vector<Parsed> steps = ParseAll(data);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].label, "busybox: postinst configure");
  EXPECT_EQ(steps[0].argv,
            (std::vector<std::string>{"/var/lib/dpkg/info/busybox.postinst", "configure", ""}));
  EXPECT_EQ(steps[0].env, std::vector<std::string>{"DPKG_MAINTSCRIPT_PACKAGE=busybox"});
  EXPECT_EQ(steps[1].argv, std::vector<std::string>{"/bin/true"});
  EXPECT_EQ(steps[1].env, std::vector<std::string>{"A=1"});
}

TEST(InstallStepsTest, NoStepsIsValid) { EXPECT_TRUE(ParseAll(Magic() + End()).empty()); }

TEST(InstallStepsTest, Errors) {
  std::string step = Rec("step", "s") + Rec("argv", "/bin/x");
  InitConfigError e = Failure("tinyrange-install-steps 2\n" + End());
  EXPECT_THAT(e.message, HasSubstr("bad magic"));
  EXPECT_EQ(e.offset, 0u);
  e = Failure("");
  EXPECT_THAT(e.message, HasSubstr("bad magic"));

  e = Failure(Magic() + step);
  EXPECT_THAT(e.message, HasSubstr("missing end"));
  EXPECT_EQ(e.offset, Magic().size() + step.size());

  e = Failure(Magic() + step + End() + "x");
  EXPECT_THAT(e.message, HasSubstr("data after end"));
  EXPECT_EQ(e.offset, Magic().size() + step.size() + End().size());

  e = Failure(Magic() + step + Rec("end", "x"));
  EXPECT_THAT(e.message, HasSubstr("end record has a value"));

  e = Failure(Magic() + step + Rec("colour", "red") + End());
  EXPECT_EQ(std::string(e.message), "unknown key");
  EXPECT_EQ(e.key, "colour");
  EXPECT_EQ(e.offset, Magic().size() + step.size());

  e = Failure(Magic() + Rec("colour", "red") + End());
  EXPECT_EQ(e.key, "colour");

  e = Failure(Magic() + Rec("step", "s") + Rec("env", "A=1") + End());
  EXPECT_THAT(e.message, HasSubstr("step without argv"));
  EXPECT_EQ(e.key, "step");
  EXPECT_EQ(e.offset, Magic().size());

  e = Failure(Magic() + step + Rec("step", "t") + End());
  EXPECT_THAT(e.message, HasSubstr("step without argv"));
  EXPECT_EQ(e.offset, Magic().size() + step.size());

  for (const char* bad : {"bin/x", "", "./x"}) {
    e = Failure(Magic() + Rec("step", "s") + Rec("argv", bad) + End());
    EXPECT_THAT(e.message, HasSubstr("not an absolute path")) << bad;
    EXPECT_EQ(e.key, "argv");
    EXPECT_EQ(e.offset, Magic().size() + Rec("step", "s").size() + 5);
  }
  for (const char* bad : {"A", "=1", ""}) {
    e = Failure(Magic() + step + Rec("env", bad) + End());
    EXPECT_THAT(e.message, HasSubstr("NAME=value")) << bad;
    EXPECT_EQ(e.key, "env");
  }
  e = Failure(Magic() + Rec("argv", "/bin/x") + End());
  EXPECT_THAT(e.message, HasSubstr("outside a step"));
  e = Failure(Magic() + Rec("step", "") + Rec("argv", "/bin/x") + End());
  EXPECT_THAT(e.message, HasSubstr("empty step label"));
  e = Failure(Magic() + step + "end");
  EXPECT_THAT(e.message, HasSubstr("key without terminator"));
  e = Failure(Magic() + step + std::string("env\0A=1", 7));
  EXPECT_THAT(e.message, HasSubstr("value without terminator"));
}

TEST(InstallStepsTest, EveryTruncationIsAnError) {
  std::string data = Magic() + Rec("step", "s") + Rec("argv", "/bin/x") + Rec("env", "A=1") + End();
  for (size_t n = 0; n < data.size(); ++n) {
    InstallStepsReader reader(std::string_view(data.data(), n));
    InstallStepView step;
    while (reader.Next(&step)) {
    }
    EXPECT_TRUE(reader.failed()) << n;
  }
}

}  // namespace
}  // namespace tinyrange
