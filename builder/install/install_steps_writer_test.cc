#include "builder/install/install_steps_writer.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "builder/install/install_test_util.h"

#ifdef TR_HAVE_INSTALL_STEPS_PARSER
#include "guest-init/install_steps.h"
#endif

namespace tinyrange::install {
namespace {

using namespace std::string_literals;

std::vector<InstallStep> TwoSteps() {
  return {
      {"busybox: postinst configure", {"/var/lib/dpkg/info/busybox.postinst", "configure", ""}, {"A=1", "B="}},
      {"x: trigger", {"/bin/true"}, {}},
  };
}

TEST(InstallStepsWriterTest, EncodesTheExactBytes) {
  std::string expected =
      "tinyrange-install-steps 1\n"
      "step\0busybox: postinst configure\0"
      "argv\0/var/lib/dpkg/info/busybox.postinst\0"
      "argv\0configure\0"
      "argv\0\0"
      "env\0A=1\0"
      "env\0B=\0"
      "step\0x: trigger\0"
      "argv\0/bin/true\0"
      "end\0\0"s;
  EXPECT_EQ(EncodeInstallSteps(TwoSteps()), expected);
}

TEST(InstallStepsWriterTest, NoStepsIsMagicAndEnd) {
  EXPECT_EQ(EncodeInstallSteps({}), "tinyrange-install-steps 1\nend\0\0"s);
}

void ExpectRejected(const InstallStep& step, const std::string& needle) {
  try {
    EncodeInstallSteps({{"ok", {"/bin/true"}, {}}, step});
    FAIL() << "accepted a step with " << needle;
  } catch (const std::invalid_argument& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("install step 1"), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

TEST(InstallStepsWriterTest, RejectsWhatTheGuestWouldReject) {
  ExpectRejected({"bad\0label"s, {"/bin/true"}, {}}, "the label contains a NUL");
  ExpectRejected({"", {"/bin/true"}, {}}, "the label is empty");
  ExpectRejected({"p: none", {}, {}}, "argv is empty");
  ExpectRejected({"p: relative", {"bin/true"}, {}}, "argv[0] \"bin/true\" is not an absolute path");
  ExpectRejected({"p: empty", {""}, {}}, "argv[0] \"\" is not an absolute path");
  ExpectRejected({"p: nul arg", {"/bin/true", "a\0b"s}, {}}, "argv[1] contains a NUL");
  ExpectRejected({"p: nul env", {"/bin/true"}, {"A=\0"s}}, "env[0] contains a NUL");
  ExpectRejected({"p: no equals", {"/bin/true"}, {"A=1", "NOVALUE"}}, "env[1] \"NOVALUE\" has no '='");
  ExpectRejected({"p: no name", {"/bin/true"}, {"=value"}}, "env[0] \"=value\" has no name");
  // The step's label is named.
  ExpectRejected({"p: no name", {"/bin/true"}, {"=value"}}, "\"p: no name\"");
}

TEST(InstallStepsWriterTest, TestDecoderReadsItBack) {
  std::vector<InstallStep> decoded = testing::DecodeSteps(EncodeInstallSteps(TwoSteps()));
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded[0].label, "busybox: postinst configure");
  EXPECT_EQ(decoded[0].argv, TwoSteps()[0].argv);
  EXPECT_EQ(decoded[0].env, TwoSteps()[0].env);
  EXPECT_EQ(decoded[1].argv, TwoSteps()[1].argv);
}

#ifdef TR_HAVE_INSTALL_STEPS_PARSER
// What guest-init's own parser makes of the bytes.
TEST(InstallStepsWriterTest, RoundTripThroughGuestInitParser) {
  std::vector<InstallStep> steps = TwoSteps();
  std::string bytes = EncodeInstallSteps(steps);
  InstallStepsReader reader(bytes);
  InstallStepView view;
  size_t index = 0;
  while (reader.Next(&view)) {
    ASSERT_LT(index, steps.size());
    EXPECT_EQ(view.label, steps[index].label);
    EXPECT_EQ(view.argv_count, steps[index].argv.size());
    EXPECT_EQ(view.env_count, steps[index].env.size());
    std::string_view records = view.records, key, value;
    std::vector<std::string> argv, env;
    while (NextInstallStepRecord(&records, &key, &value)) {
      (key == "argv" ? argv : env).emplace_back(value);
    }
    EXPECT_EQ(argv, steps[index].argv);
    EXPECT_EQ(env, steps[index].env);
    ++index;
  }
  EXPECT_FALSE(reader.failed());
  EXPECT_EQ(index, steps.size());
}
#endif

}  // namespace
}  // namespace tinyrange::install
