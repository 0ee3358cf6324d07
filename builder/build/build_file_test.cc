// Build files: the Starlark API, targets, callbacks and error positions.
#include "builder/build/build_file.h"

#include <gtest/gtest.h>

#include "builder/build/build_test_util.h"
#include "builder/build/build_vm.h"
#include "builder/build/install_archives.h"
#include "starlark/value.h"

namespace tinyrange::build {
namespace {

using testing::ReadFile;
using testing::TempDir;

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string ErrorOf(const std::string& path) {
  try {
    EvaluateBuildFile(path);
  } catch (const starlark::Error& e) {
    return e.Render();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(BuildFileTest, TargetsAreDefinitionsAndFunctionsWithoutParameters) {
  TempDir dir;
  std::string path = Write(dir, "build.star",
                           "hello = define.file(\"hello\\n\")\n"
                           "def greeting():\n"
                           "    return define.file(\"hi\")\n"
                           "def helper(x):\n"
                           "    return x\n"
                           "_private = define.file(\"p\")\n");
  BuildFile file = EvaluateBuildFile(path);
  auto targets = ListTargets(file);
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].first, "greeting");
  EXPECT_EQ(targets[1].first, "hello");

  EngineOptions options;
  options.cache_root = dir.path() + "/cache";
  BuildEngine engine(options);
  EXPECT_EQ(ReadFile(engine.Build(ResolveTarget(file, "hello"))), "hello\n");
  EXPECT_EQ(ReadFile(engine.Build(ResolveTarget(file, "greeting"))), "hi");
  try {
    ResolveTarget(file, "nope");
    FAIL();
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("its targets are: greeting, hello"), std::string::npos) << e.what();
  }
}

TEST(BuildFileTest, WrongArgumentsAreErrorsAtTheirPosition) {
  TempDir dir;
  std::string error = ErrorOf(Write(dir, "a.star", "x = 1\ny = define.fetch_http(url = 42)\n"));
  EXPECT_NE(error.find("a.star:2:"), std::string::npos) << error;
  EXPECT_NE(error.find("define.fetch_http: for parameter url: got int, want string"), std::string::npos) << error;

  error = ErrorOf(Write(dir, "b.star", "y = define.read_archive()\n"));
  EXPECT_NE(error.find("b.star:1:"), std::string::npos) << error;
  EXPECT_NE(error.find("missing argument for input"), std::string::npos) << error;

  error = ErrorOf(Write(dir, "c.star", "y = define.fetch_http(\"gopher://example.invalid/\")\n"));
  EXPECT_NE(error.find("c.star:1:"), std::string::npos) << error;
  EXPECT_NE(error.find("must start with http://"), std::string::npos) << error;

  error = ErrorOf(Write(dir, "g.star",
                        "y = define.read_archive(define.file(\"x\"), format = \"deb\", checksum = \"sha1b64:" +
                            std::string(27, 'A') + "=\")\n"));
  EXPECT_NE(error.find("g.star:1:"), std::string::npos) << error;
  EXPECT_NE(error.find("a checksum is only checked for format \"apk\""), std::string::npos) << error;
  EXPECT_EQ(ErrorOf(Write(dir, "h.star",
                          "y = define.read_archive(define.file(\"x\"), format = \"apk\", checksum = \"sha1b64:" +
                              std::string(27, 'A') + "=\")\n")),
            "");

  error = ErrorOf(Write(dir, "d.star", "y = define.build_fs([\"not a directive\"])\n"));
  EXPECT_NE(error.find("want list of directive or definition"), std::string::npos) << error;

  error = ErrorOf(Write(dir, "e.star", "y = directive.add_file(\"etc/x\")\n"));
  EXPECT_NE(error.find("exactly one of contents="), std::string::npos) << error;

  error = ErrorOf(Write(dir, "f.star", "load(\"missing.star\", \"x\")\n"));
  EXPECT_NE(error.find("missing.star"), std::string::npos) << error;
}

TEST(BuildFileTest, CallbacksBuildFromTheirInputsAndReturnContentsOrDefinitions) {
  TempDir dir;
  std::string path = Write(dir, "build.star",
                           "src = define.file(\"abc\")\n"
                           "def upper(ctx_src, suffix):\n"
                           "    return ctx_src.read().upper() + suffix\n"
                           "shout = define.build(upper, src, \"!\")\n"
                           "def pick(flag):\n"
                           "    return define.file(\"yes\" if flag else \"no\")\n"
                           "chosen = define.build(pick, True)\n"
                           "def broken():\n"
                           "    return 1 // 0\n"
                           "bad = define.build(broken)\n");
  BuildFile file = EvaluateBuildFile(path);
  EngineOptions options;
  options.cache_root = dir.path() + "/cache";
  BuildEngine engine(options);
  EXPECT_EQ(ReadFile(engine.Build(ResolveTarget(file, "shout"))), "ABC!");
  EXPECT_EQ(ReadFile(engine.Build(ResolveTarget(file, "chosen"))), "yes");
  try {
    engine.Build(ResolveTarget(file, "bad"));
    FAIL();
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("division by zero"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("build.star:9"), std::string::npos) << e.what();
  }

  // Editing the script changes the callback's hash.
  std::string before = ResolveTarget(file, "shout")->Hash();
  Write(dir, "build.star", ReadFile(path) + "# edited\n");
  EXPECT_NE(ResolveTarget(EvaluateBuildFile(path), "shout")->Hash(), before);
}

TEST(BuildFileTest, TheStandardLibraryLoads) {
  TempDir dir;
  std::string path = Write(dir, "build.star",
                           "load(\"@std/debian.star\", \"debian\")\n"
                           "rootfs = debian(\"bookworm\").rootfs([\"busybox\"], files = {\"etc/motd\": \"hi\"})\n");
  BuildFile file = EvaluateBuildFile(path);
  DefinitionPtr rootfs = ResolveTarget(file, "rootfs");
  EXPECT_EQ(rootfs->Kind(), "build_fs");
  ASSERT_EQ(rootfs->Inputs().size(), 2u);
  EXPECT_EQ(rootfs->Inputs()[0]->Kind(), "plan");
  EXPECT_EQ(rootfs->Inputs()[0]->Parameters()["packages"][0], "busybox");
}

}  // namespace
}  // namespace tinyrange::build

namespace tinyrange::build {
namespace {

TEST(BuildVmApiTest, DefinitionsAndTheirErrors) {
  TempDir dir;
  // A valid VM build: the default kernel is Debian's (a plan, not fetched
  // until built), and every directive kind is accepted.
  BuildFile file = EvaluateBuildFile(Write(dir, "vm.star",
                                           "root = define.plan(builder = \"debian:bookworm\", packages = [\"busybox\"])\n"
                                           "vm = define.build_vm(\n"
                                           "    [root, directive.add_file(\"/root/in.txt\", contents = \"hi\"),\n"
                                           "     directive.environment({\"GREETING\": \"it's\"}),\n"
                                           "     directive.run_command(\"cp /root/in.txt /out.txt\"),\n"
                                           "     directive.default_interactive(\"/bin/sh\")],\n"
                                           "    output = \"/out.txt\", cpu_cores = 2, memory_mb = 512)\n"));
  DefinitionPtr vm = ResolveTarget(file, "vm");
  EXPECT_EQ(vm->Kind(), "build_vm");
  EXPECT_EQ(vm->Canonical()["params"]["output"], "/out.txt");
  EXPECT_EQ(vm->Canonical()["params"]["cpus"], 2);

  std::string error = ErrorOf(Write(dir, "a.star", "vm = define.build_vm([directive.run_command(\"true\")], output = \"out\")\n"));
  EXPECT_NE(error.find("a.star:1:"), std::string::npos) << error;
  EXPECT_NE(error.find("must be an absolute path in the guest"), std::string::npos) << error;
  error = ErrorOf(Write(dir, "b.star", "vm = define.build_vm([], output = \"/out\")\n"));
  EXPECT_NE(error.find("no directive.run_command"), std::string::npos) << error;
  error = ErrorOf(Write(dir, "c.star", "d = directive.environment({\"1BAD\": \"x\"})\n"));
  EXPECT_NE(error.find("'1BAD' is not a variable name"), std::string::npos) << error;
  error = ErrorOf(Write(dir, "d.star", "d = directive.environment([\"A=1\"])\n"));
  EXPECT_NE(error.find("want dict of string to string"), std::string::npos) << error;
  error = ErrorOf(Write(dir, "e.star", "fs = define.build_fs([directive.run_command(\"true\")])\n"));
  EXPECT_NE(error.find("use define.build_vm"), std::string::npos) << error;
  error = ErrorOf(Write(dir, "f.star", "vm = define.build_vm([directive.run_command(\"true\")], output = \"/o\", memory_mb = 0)\n"));
  EXPECT_NE(error.find("memory_mb must be positive"), std::string::npos) << error;
}

TEST(BuildVmApiTest, CommandScriptRunsInOrderWithQuotedEnvironment) {
  std::vector<FsDirective> directives = {FsDirective::Environment({{"A", "it's $HOME"}}),
                                         FsDirective::RunCommand("echo \"$A\" > /out"),
                                         FsDirective::DefaultInteractive("/bin/sh"),
                                         FsDirective::RunCommand("gzip /out")};
  EXPECT_EQ(VmCommandScript(directives),
            "#!/bin/sh\n# The commands of a build_vm definition, in order.\nset -e\n"
            "export A='it'\\''s $HOME'\n"
            "echo \"$A\" > /out\n"
            "gzip /out\n"
            "if [ $# -gt 0 ]; then exec \"$@\"; fi\n");
}


namespace fs = std::filesystem;

// A stand-in for the engine: plans resolve to a plan with no packages, their
// install archives to a database and steps, anything else to an archive.
std::string FakeBuild(const TempDir& dir, const DefinitionPtr& d) {
  std::string out = dir.path() + "/built-" + d->Hash();
  if (d->Kind() == "plan") {
    fs::create_directories(out);
    std::ofstream(out + "/plan.json") << R"({"packages": []})";
  } else if (d->Kind() == "install_archives") {
    fs::create_directories(out);
    std::ofstream(out + "/" + kInstallDatabaseArchive) << "db";
    std::ofstream(out + "/" + kInstallStepsArchive) << "steps";
  } else {
    std::ofstream(out) << "hi";
  }
  return out;
}

TEST(BuildVmApiTest, RootPartsNameTheStepsAndTheScript) {
  TempDir dir;
  BuildFile file = EvaluateBuildFile(Write(dir, "vm.star",
                                           "root = define.plan(builder = \"debian:bookworm\", packages = [\"busybox\"])\n"
                                           "vm = define.build_vm([root, directive.add_file(\"/a\", contents = \"a\"),\n"
                                           "    directive.run_command(\"true\")], output = \"/o\")\n"
                                           "two = define.build_vm([root, define.plan(builder = \"debian:bookworm\", "
                                           "packages = [\"dash\"]), directive.run_command(\"true\")], output = \"/o\")\n"));
  auto build = [&dir](const DefinitionPtr& d) { return FakeBuild(dir, d); };
  VmRootParts root = AssembleVmRoot(*VmBuildSpecOf(*ResolveTarget(file, "vm")), build, dir.path(), dir.path(), "vm");
  ASSERT_EQ(root.parts.size(), 4u);  // database, steps, the added file, the script
  ASSERT_TRUE(root.steps_part);
  EXPECT_EQ(fs::path(root.parts[*root.steps_part]).filename(), kInstallStepsArchive);
  EXPECT_EQ(root.script_part, 3u);
  EXPECT_EQ(fs::path(root.parts[3]).filename(), "commands.trfrag");

  try {
    AssembleVmRoot(*VmBuildSpecOf(*ResolveTarget(file, "two")), build, dir.path(), dir.path(), "vm two");
    FAIL() << "two plans in one VM were accepted";
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("vm two: two package plans"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("List all the packages in one plan"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tinyrange::build
