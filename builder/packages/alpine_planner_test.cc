#include "builder/packages/alpine_planner.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "builder/packages/alpine_index.h"

namespace tinyrange::packages {
namespace {

// An APKINDEX entry in the upstream layout; `extra` holds D:/p:/i:/k: lines.
std::string Entry(const std::string& name, const std::string& version, const std::string& extra = "",
                  const std::string& arch = "x86_64") {
  return "C:Q1" + std::string(27, 'A') + "=\nP:" + name + "\nV:" + version + "\nA:" + arch + "\nS:1000\nI:2000\n" +
         extra + "\n";
}

PackageIndex IndexOf(const std::vector<std::string>& repos) {
  std::vector<RecordFile> files;
  for (size_t i = 0; i < repos.size(); ++i) {
    std::string error;
    auto records = ConvertApkIndex(repos[i], "repo" + std::to_string(i), "x86_64", &error);
    EXPECT_TRUE(records) << error;
    files.push_back({{Distro::kAlpine, "repo" + std::to_string(i)}, records ? *records : std::vector<PackageRecord>{}});
  }
  std::string error;
  auto index = PackageIndex::FromRecordFiles(std::move(files), &error);
  EXPECT_TRUE(index) << error;
  return std::move(*index);
}

std::vector<std::string> Names(const PackageIndex& index, const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& p : plan.packages)
    out.push_back(index.package(p.id).record.name + "=" + index.package(p.id).record.version);
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::optional<Plan> PlanOf(const PackageIndex& index, std::vector<std::string> packages, std::string* explanation) {
  AlpinePlanRequest request;
  request.packages = std::move(packages);
  return PlanAlpine(index, request, explanation);
}

TEST(AlpinePlannerTest, DependenciesFirstHighestVersion) {
  auto index = IndexOf({Entry("musl", "1.2.4-r0", "p:so:libc.musl-x86_64.so.1=1\n") +
                        Entry("musl", "1.2.5-r0", "p:so:libc.musl-x86_64.so.1=1\n") +
                        Entry("busybox", "1.36.1-r2", "D:so:libc.musl-x86_64.so.1\np:cmd:sh=1.36.1-r2\n") +
                        Entry("alpine-base", "3.20.0-r0", "D:busybox cmd:sh\n")});
  std::string why;
  auto plan = PlanOf(index, {"alpine-base"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan),
            (std::vector<std::string>{"musl=1.2.5-r0", "busybox=1.36.1-r2", "alpine-base=3.20.0-r0"}));
  EXPECT_EQ(plan->packages[2].reason, "requested");
  EXPECT_EQ(plan->packages[1].reason, "busybox <- alpine-base 3.20.0-r0 <- requested");
  EXPECT_EQ(plan->packages[0].reason,
            "so:libc.musl-x86_64.so.1 <- busybox 1.36.1-r2 <- alpine-base 3.20.0-r0 <- requested");
  EXPECT_TRUE(plan->cycles.empty());
}

TEST(AlpinePlannerTest, EveryVersionOperator) {
  auto index =
      IndexOf({Entry("lib", "1.0-r0") + Entry("lib", "1.2.3-r0") + Entry("lib", "1.20-r0") + Entry("lib", "2.0-r0")});
  const std::pair<const char*, const char*> cases[] = {
      {"lib", "lib=2.0-r0"},         {"lib<2", "lib=1.20-r0"},    {"lib<=1.2.3-r0", "lib=1.2.3-r0"},
      {"lib>1.20-r0", "lib=2.0-r0"}, {"lib>=1.20", "lib=2.0-r0"}, {"lib=1.0-r0", "lib=1.0-r0"},
      {"lib~1.2", "lib=1.2.3-r0"},   {"lib~1", "lib=1.20-r0"},    {"lib<~1.2", "lib=1.2.3-r0"},
      {"lib>~1.2", "lib=2.0-r0"},
  };
  for (const auto& [atom, expected] : cases) {
    std::string why;
    auto plan = PlanOf(index, {atom}, &why);
    ASSERT_TRUE(plan) << atom << ": " << why;
    EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{expected})) << atom;
  }
  std::string why;
  // "2.0-r0" is newer than "2": the longer version goes on.
  EXPECT_FALSE(PlanOf(index, {"lib>2.0-r0"}, &why));
  EXPECT_NE(
      why.find("'lib>2.0-r0' is not satisfied by any available version (available: 1.0-r0, 1.2.3-r0, 1.20-r0, 2.0-r0)"),
      std::string::npos)
      << why;
}

TEST(AlpinePlannerTest, SoCmdAndPcProviders) {
  auto index = IndexOf({Entry("zlib", "1.3.1-r0", "p:so:libz.so.1=1.3.1\n") +
                        Entry("zlib-dev", "1.3.1-r0", "D:zlib=1.3.1-r0 pkgconf\np:pc:zlib=1.3.1\n") +
                        Entry("pkgconf", "2.2.0-r0", "p:cmd:pkg-config=2.2.0-r0 cmd:pkgconf=2.2.0-r0\n") +
                        Entry("app", "1-r0", "D:so:libz.so.1 cmd:pkg-config pc:zlib>=1.2\n")});
  std::string why;
  auto plan = PlanOf(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  // Dependencies first, in the order they are written.
  EXPECT_EQ(Names(index, *plan),
            (std::vector<std::string>{"zlib=1.3.1-r0", "pkgconf=2.2.0-r0", "zlib-dev=1.3.1-r0", "app=1-r0"}));
  // A requested provider name works too.
  plan = PlanOf(index, {"cmd:pkgconf"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"pkgconf=2.2.0-r0"}));
  EXPECT_EQ(plan->packages[0].reason, "requested");
  // A versioned dependency on a provided name needs the provided version.
  EXPECT_FALSE(PlanOf(index, {"pc:zlib>=2"}, &why));
  EXPECT_NE(why.find("pc:zlib=1.3.1 from zlib-dev 1.3.1-r0"), std::string::npos) << why;
}

TEST(AlpinePlannerTest, UnversionedProvideSatisfiesOnlyUnversionedDependencies) {
  auto index = IndexOf({Entry("bin-sh", "1-r0", "p:/bin/sh\n") + Entry("a", "1-r0", "D:/bin/sh\n") +
                        Entry("b", "1-r0", "D:/bin/sh>=1\n")});
  std::string why;
  auto plan = PlanOf(index, {"a"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"bin-sh=1-r0", "a=1-r0"}));
  EXPECT_FALSE(PlanOf(index, {"b"}, &why));
  EXPECT_NE(why.find("cannot satisfy /bin/sh>=1, needed by b 1-r0 <- requested"), std::string::npos) << why;
  EXPECT_NE(why.find("a provide without a version never satisfies a versioned dependency"), std::string::npos) << why;
}

TEST(AlpinePlannerTest, ProviderPriorityThenName) {
  auto index = IndexOf({Entry("zz-shell", "1-r0", "p:cmd:sh\nk:100\n") + Entry("aa-shell", "1-r0", "p:cmd:sh\n") +
                        Entry("mm-shell", "1-r0", "p:cmd:sh\n") + Entry("user", "1-r0", "D:cmd:sh\n")});
  std::string why;
  auto plan = PlanOf(index, {"user"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"zz-shell=1-r0", "user=1-r0"}));
  // Forbidding the preferred one falls back to the next by name.
  plan = PlanOf(index, {"user", "!zz-shell"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"aa-shell=1-r0", "user=1-r0"}));
}

TEST(AlpinePlannerTest, ConflictsBacktrack) {
  // The newest "tool" conflicts with "legacy", which "app" needs; the
  // planner goes back and takes the older tool.
  auto index = IndexOf({Entry("tool", "2.0-r0", "D:!legacy\n") + Entry("tool", "1.0-r0") + Entry("legacy", "1-r0") +
                        Entry("app", "1-r0", "D:tool legacy\n")});
  std::string why;
  auto plan = PlanOf(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Sorted(Names(index, *plan)), (std::vector<std::string>{"app=1-r0", "legacy=1-r0", "tool=1.0-r0"}));
  // A conflict with a provided name, and a versioned conflict.
  index = IndexOf({Entry("openssl", "3.3.0-r0", "p:so:libssl.so.3=3\n") +
                   Entry("libressl", "3.8-r0", "D:!so:libssl.so.3\n") + Entry("old", "1-r0", "D:!openssl<3\n")});
  EXPECT_FALSE(PlanOf(index, {"openssl", "libressl"}, &why));
  EXPECT_NE(why.find("libressl 3.8-r0 conflicts with so:libssl.so.3, provided by openssl 3.3.0-r0"), std::string::npos)
      << why;
  auto ok = PlanOf(index, {"openssl", "old"}, &why);
  ASSERT_TRUE(ok) << why;
  EXPECT_EQ(ok->packages.size(), 2u);
  // The other direction: what is chosen conflicts with the newcomer.
  EXPECT_FALSE(PlanOf(index, {"libressl", "openssl"}, &why));
  EXPECT_NE(why.find("libressl 3.8-r0 (requested) conflicts with so:libssl.so.3, which openssl 3.3.0-r0 provides"),
            std::string::npos)
      << why;
}

TEST(AlpinePlannerTest, InstallIfReachesAFixedPoint) {
  auto index =
      IndexOf({Entry("bash", "5.2-r0") + Entry("docs", "1-r0") + Entry("bash-doc", "5.2-r0", "i:docs bash=5.2-r0\n") +
               Entry("bash-completion", "2.12-r0", "i:bash\n") +
               Entry("bash-completion-doc", "2.12-r0", "i:docs bash-completion\n") +
               Entry("zsh-doc", "5.9-r0", "i:docs zsh\n") + Entry("never", "1-r0", "i:bash !docs\n")});
  std::string why;
  auto plan = PlanOf(index, {"bash", "docs"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Sorted(Names(index, *plan)),
            (std::vector<std::string>{"bash-completion-doc=2.12-r0", "bash-completion=2.12-r0", "bash-doc=5.2-r0",
                                      "bash=5.2-r0", "docs=1-r0"}));
  // Each install_if package comes after its triggers, and says why it is there.
  auto names = Names(index, *plan);
  auto at = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  EXPECT_LT(at("bash-completion=2.12-r0"), at("bash-completion-doc=2.12-r0"));
  EXPECT_LT(at("bash=5.2-r0"), at("bash-doc=5.2-r0"));
  EXPECT_EQ(plan->packages[at("bash-doc=5.2-r0")].reason, "install_if docs bash=5.2-r0");
  // Without docs, the "!docs" trigger holds instead.
  plan = PlanOf(index, {"bash"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Sorted(Names(index, *plan)),
            (std::vector<std::string>{"bash-completion=2.12-r0", "bash=5.2-r0", "never=1-r0"}));
}

TEST(AlpinePlannerTest, InstallIfPackageThatCannotBeInstalledIsLeftOut) {
  auto index = IndexOf({Entry("bash", "5.2-r0") + Entry("extra", "1-r0", "i:bash\nD:missing\n")});
  std::string why;
  auto plan = PlanOf(index, {"bash"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"bash=5.2-r0"}));
}

TEST(AlpinePlannerTest, UnsatisfiableExplainsTheChain) {
  auto index = IndexOf({Entry("a", "1-r0", "D:b\n") + Entry("b", "1-r0", "D:c>=2\n") + Entry("c", "1.5-r0")});
  std::string why;
  EXPECT_FALSE(PlanOf(index, {"a"}, &why));
  EXPECT_NE(why.find("cannot satisfy c>=2, needed by b 1-r0 <- a 1-r0 <- requested"), std::string::npos) << why;
  EXPECT_NE(why.find("(available: 1.5-r0)"), std::string::npos) << why;
  EXPECT_FALSE(PlanOf(index, {"nosuch"}, &why));
  EXPECT_NE(why.find("unknown package 'nosuch'"), std::string::npos) << why;
  EXPECT_FALSE(PlanOf(index, {"a>="}, &why));
  EXPECT_NE(why.find("bad dependency 'a>='"), std::string::npos) << why;
  index = IndexOf({Entry("x", "1-r0", "D:so:libmissing.so.1\n")});
  EXPECT_FALSE(PlanOf(index, {"x"}, &why));
  EXPECT_NE(why.find("no package is named or provides 'so:libmissing.so.1'"), std::string::npos) << why;
}

TEST(AlpinePlannerTest, TheSearchBudgetIsReported) {
  auto index = IndexOf({Entry("tool", "2.0-r0", "D:!legacy\n") + Entry("tool", "1.0-r0") + Entry("legacy", "1-r0") +
                        Entry("app", "1-r0", "D:tool legacy\n")});
  AlpinePlanRequest request;
  request.packages = {"app"};
  request.step_budget = 3;
  std::string why;
  EXPECT_FALSE(PlanAlpine(index, request, &why));
  EXPECT_NE(why.find("gave up after 3 steps"), std::string::npos) << why;
  EXPECT_NE(why.find("cannot satisfy legacy, needed by app 1-r0 <- requested"), std::string::npos) << why;
  EXPECT_NE(why.find("tool 2.0-r0 (app 1-r0 <- requested) conflicts with legacy 1-r0 (!legacy)"), std::string::npos)
      << why;
}

TEST(AlpinePlannerTest, CyclesAreBrokenByName) {
  auto index = IndexOf({Entry("base", "1-r0") + Entry("c", "1-r0", "D:a base\n") + Entry("a", "1-r0", "D:b\n") +
                        Entry("b", "1-r0", "D:c\n")});
  std::string why;
  auto plan = PlanOf(index, {"b"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"base=1-r0", "a=1-r0", "b=1-r0", "c=1-r0"}));
  ASSERT_EQ(plan->cycles.size(), 1u);
  EXPECT_EQ(plan->cycles[0], "dependency cycle among a b c; installed in name order");
}

TEST(AlpinePlannerTest, EarlierRepositoryWinsAmongEqualVersionsAndArchitectureIsChecked) {
  auto index = IndexOf({Entry("p", "1-r0", "D:q\n") + Entry("q", "1-r0", "", "noarch"),
                        Entry("p", "1-r0") + Entry("p", "2-r0", "", "aarch64")});
  std::string why;
  auto plan = PlanOf(index, {"p"}, &why);
  ASSERT_TRUE(plan) << why;
  // The first repository's p (which needs q) is taken; the aarch64 p was
  // never in the index.
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"q=1-r0", "p=1-r0"}));
  EXPECT_EQ(index.package(plan->packages[1].id).repo, 0u);
}

}  // namespace
}  // namespace tinyrange::packages
