#include "builder/packages/debian_planner.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "builder/packages/debian_index.h"

namespace tinyrange::packages {
namespace {

// A Packages paragraph in the exact upstream layout, with the fields the
// converter requires filled in.
std::string Para(const std::string& name, const std::string& version, const std::string& extra = "",
                 const std::string& arch = "amd64") {
  return "Package: " + name + "\nVersion: " + version + "\nArchitecture: " + arch + "\n" + extra +
         "Filename: pool/main/" + name.substr(0, 1) + "/" + name + "/" + name + "_" + version + "_" + arch +
         ".deb\nSize: 1000\nSHA256: " + std::string(64, 'a') + "\n\n";
}

PackageIndex IndexOf(const std::vector<std::string>& repos) {
  std::vector<RecordFile> files;
  for (size_t i = 0; i < repos.size(); ++i) {
    std::string error;
    auto records = ConvertDebianPackages(repos[i], "repo" + std::to_string(i), "amd64", &error);
    EXPECT_TRUE(records) << error;
    files.push_back({{Distro::kDebian, "repo" + std::to_string(i)}, records ? *records : std::vector<PackageRecord>{}});
  }
  std::string error;
  auto index = PackageIndex::FromRecordFiles(std::move(files), &error);
  EXPECT_TRUE(index) << error;
  return std::move(*index);
}

std::vector<std::string> Names(const PackageIndex& index, const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& p : plan.packages) out.push_back(index.package(p.id).record.name + "=" + index.package(p.id).record.version);
  return out;
}

std::optional<Plan> PlanFor(const PackageIndex& index, std::vector<std::string> packages, std::string* why,
                            BaseSet base = BaseSet::kNone) {
  PlanRequest request;
  request.packages = std::move(packages);
  request.base = base;
  return PlanDebian(index, request, why);
}

size_t Pos(const std::vector<std::string>& names, const std::string& prefix) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].rfind(prefix + "=", 0) == 0) return i;
  }
  return SIZE_MAX;
}

TEST(DebianPlannerTest, DependenciesComeFirstWithHighestVersions) {
  auto index = IndexOf({Para("app", "1.0", "Depends: libfoo (>= 1.2), libbar\n") + Para("libfoo", "1.1") +
                        Para("libfoo", "1.3", "Depends: libc\n") + Para("libbar", "2.0", "Depends: libc\n") +
                        Para("libc", "2.36") + Para("unrelated", "1")});
  std::string why;
  auto plan = PlanFor(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  auto names = Names(index, *plan);
  // Dependencies in the order the package lists them, each after its own.
  EXPECT_EQ(names, (std::vector<std::string>{"libc=2.36", "libfoo=1.3", "libbar=2.0", "app=1.0"}));
  EXPECT_EQ(plan->packages.back().reason, "requested");
  EXPECT_NE(plan->packages[0].reason.find("app 1.0"), std::string::npos) << plan->packages[0].reason;
}

TEST(DebianPlannerTest, FirstAvailableAlternativeIsChosen) {
  auto index = IndexOf({Para("app", "1", "Depends: missing | second | third\n") + Para("second", "1") + Para("third", "1")});
  std::string why;
  auto plan = PlanFor(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"second=1", "app=1"}));
}

TEST(DebianPlannerTest, VirtualPackagesAndVersionedProvides) {
  auto index = IndexOf({Para("app", "1", "Depends: mail-transport-agent, libapi (>= 2)\n") +
                        Para("postfix", "3", "Provides: mail-transport-agent\nPriority: optional\n") +
                        Para("exim4", "4", "Provides: mail-transport-agent\nPriority: standard\n") +
                        Para("impl-old", "1", "Provides: libapi (= 1)\n") + Para("impl-new", "1", "Provides: libapi (= 2.5)\n") +
                        Para("impl-unversioned", "1", "Provides: libapi\n")});
  std::string why;
  auto plan = PlanFor(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  auto names = Names(index, *plan);
  EXPECT_NE(Pos(names, "exim4"), SIZE_MAX);  // higher priority provider
  EXPECT_EQ(Pos(names, "postfix"), SIZE_MAX);
  EXPECT_NE(Pos(names, "impl-new"), SIZE_MAX);  // only it provides a version >= 2
  EXPECT_EQ(Pos(names, "impl-unversioned"), SIZE_MAX);
}

TEST(DebianPlannerTest, ARequestedRealPackageIsInstalledEvenIfProvided) {
  // As apt: asking for a real package installs it, although a package
  // chosen earlier provides its name (a transitional package, typically).
  auto index = IndexOf({Para("bind9-dnsutils", "1", "Provides: dnsutils\n") + Para("dnsutils", "1", "Depends: bind9-dnsutils\n")});
  std::string why;
  auto plan = PlanFor(index, {"bind9-dnsutils", "dnsutils"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"bind9-dnsutils=1", "dnsutils=1"}));
  // A virtual name alone is satisfied by its provider.
  auto virtual_only = IndexOf({Para("exim4", "4", "Provides: mail-transport-agent\n")});
  auto plan2 = PlanFor(virtual_only, {"mail-transport-agent"}, &why);
  ASSERT_TRUE(plan2) << why;
  EXPECT_EQ(Names(virtual_only, *plan2), (std::vector<std::string>{"exim4=4"}));
}

TEST(DebianPlannerTest, RealPackageBeatsProviders) {
  auto index = IndexOf({Para("app", "1", "Depends: awk\n") + Para("awk", "1") + Para("mawk", "1", "Provides: awk\nPriority: required\n")});
  std::string why;
  auto plan = PlanFor(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"awk=1", "app=1"}));
}

TEST(DebianPlannerTest, BacktracksOutOfAConflict) {
  // The preferred alternative conflicts with something needed later; the
  // planner must go back and take the other one.
  auto index = IndexOf({Para("app", "1", "Depends: a | b, c\n") + Para("a", "1", "Conflicts: c\n") + Para("b", "1") + Para("c", "1")});
  std::string why;
  auto plan = PlanFor(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  auto names = Names(index, *plan);
  EXPECT_EQ(Pos(names, "a"), SIZE_MAX);
  EXPECT_NE(Pos(names, "b"), SIZE_MAX);
  EXPECT_NE(Pos(names, "c"), SIZE_MAX);
}

TEST(DebianPlannerTest, BacktracksToAnOlderVersion) {
  // The newest lib needs a base that conflicts with the app; 1.0 does not.
  auto index = IndexOf({Para("app", "1", "Depends: lib, base1\n") + Para("lib", "2.0", "Depends: base2\n") + Para("lib", "1.0") +
                        Para("base1", "1", "Conflicts: base2\n") + Para("base2", "1")});
  std::string why;
  auto plan = PlanFor(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  auto names = Names(index, *plan);
  EXPECT_NE(Pos(names, "lib"), SIZE_MAX);
  EXPECT_EQ(names[Pos(names, "lib")], "lib=1.0");
  EXPECT_EQ(Pos(names, "base2"), SIZE_MAX);
}

TEST(DebianPlannerTest, BreaksAndVersionedConflictsCount) {
  auto index = IndexOf({Para("app", "1", "Depends: x, y\n") + Para("x", "1", "Breaks: y (<< 2)\n") + Para("y", "1") + Para("y", "2")});
  std::string why;
  auto plan = PlanFor(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan)[Pos(Names(index, *plan), "y")], "y=2");
  // Asking for y=1 explicitly cannot work.
  EXPECT_FALSE(PlanFor(index, {"y=1", "app"}, &why));
  EXPECT_NE(why.find("x 1"), std::string::npos) << why;
}

TEST(DebianPlannerTest, SelfConflictThroughProvidesIsAllowed) {
  // The standard idiom: provide a virtual and conflict with other providers.
  auto index = IndexOf({Para("app", "1", "Depends: mta\n") + Para("postfix", "1", "Provides: mta\nConflicts: mta\n")});
  std::string why;
  auto plan = PlanFor(index, {"app"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan).size(), 2u);
}

TEST(DebianPlannerTest, TwoProvidersThatConflictCannotBothBeChosen) {
  auto index = IndexOf({Para("p1", "1", "Provides: mta\nConflicts: mta\n") + Para("p2", "1", "Provides: mta\nConflicts: mta\n")});
  std::string why;
  EXPECT_FALSE(PlanFor(index, {"p1", "p2"}, &why));
  EXPECT_NE(why.find("p2 1 conflicts with mta, provided by p1 1"), std::string::npos) << why;
}

TEST(DebianPlannerTest, UnsatisfiableExplainsTheChain) {
  auto index = IndexOf({Para("top", "1", "Depends: mid\n") + Para("mid", "1", "Depends: leaf (>= 3)\n") + Para("leaf", "2")});
  std::string why;
  EXPECT_FALSE(PlanFor(index, {"top"}, &why));
  EXPECT_NE(why.find("cannot satisfy leaf (>= 3), needed by mid 1 <- top 1 <- requested"), std::string::npos) << why;
  EXPECT_NE(why.find("available: 2"), std::string::npos) << why;
}

TEST(DebianPlannerTest, UnknownPackagesAreNamedWithSuggestions) {
  auto index = IndexOf({Para("python3", "3.11") + Para("python3-dev", "3.11")});
  std::string why;
  EXPECT_FALSE(PlanFor(index, {"python"}, &why));
  EXPECT_NE(why.find("unknown package 'python'"), std::string::npos) << why;
  EXPECT_NE(why.find("python3-dev"), std::string::npos) << why;
  EXPECT_FALSE(PlanFor(index, {"zzz"}, &why));
  EXPECT_NE(why.find("tr query zzz"), std::string::npos) << why;
}

TEST(DebianPlannerTest, ExactVersionRequests) {
  auto index = IndexOf({Para("tool", "1.0") + Para("tool", "2.0")});
  std::string why;
  auto plan = PlanFor(index, {"tool=1.0"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"tool=1.0"}));
  EXPECT_FALSE(PlanFor(index, {"tool=3.0"}, &why));
  EXPECT_NE(why.find("available: 1.0, 2.0"), std::string::npos) << why;
}

TEST(DebianPlannerTest, PreDependsOrderInsideACycle) {
  // a and b depend on each other; b pre-depends on a, so a goes first even
  // though the cycle would otherwise be broken by name in either order.
  auto index = IndexOf({Para("b", "1", "Pre-Depends: a\n") + Para("a", "1", "Depends: b\n") + Para("z", "1", "Depends: b\n")});
  std::string why;
  auto plan = PlanFor(index, {"z"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"a=1", "b=1", "z=1"}));
  ASSERT_EQ(plan->cycles.size(), 1u);
  EXPECT_NE(plan->cycles[0].find("cycle among a b"), std::string::npos) << plan->cycles[0];
}

TEST(DebianPlannerTest, CycleWithPreDependsTheOtherWay) {
  auto index = IndexOf({Para("a", "1", "Pre-Depends: b\n") + Para("b", "1", "Depends: a\n")});
  std::string why;
  auto plan = PlanFor(index, {"a"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(Names(index, *plan), (std::vector<std::string>{"b=1", "a=1"}));
}

TEST(DebianPlannerTest, MultiArchAnyAndForeignArchitectures) {
  auto index = IndexOf({Para("app", "1", "Depends: python3:any, perl:any\n") + Para("python3", "3.11", "Multi-Arch: allowed\n") +
                        Para("perl", "5.36") + Para("armonly", "1", "", "arm64")});
  std::string why;
  EXPECT_FALSE(PlanFor(index, {"app"}, &why));  // perl is not Multi-Arch: allowed
  EXPECT_NE(why.find("Multi-Arch: allowed"), std::string::npos) << why;
  EXPECT_FALSE(PlanFor(index, {"armonly"}, &why));  // converted away: other architecture
}

TEST(DebianPlannerTest, EssentialAndRequiredBaseSets) {
  auto index = IndexOf({Para("base-files", "12", "Essential: yes\nPriority: required\n") + Para("mawk", "1", "Priority: required\n") +
                        Para("app", "1") + Para("extra", "1", "Priority: optional\n")});
  std::string why;
  auto essential = PlanFor(index, {"app"}, &why, BaseSet::kEssential);
  ASSERT_TRUE(essential) << why;
  EXPECT_EQ(Names(index, *essential).size(), 2u);
  auto required = PlanFor(index, {"app"}, &why, BaseSet::kRequired);
  ASSERT_TRUE(required) << why;
  auto names = Names(index, *required);
  EXPECT_EQ(names.size(), 3u);
  EXPECT_NE(Pos(names, "mawk"), SIZE_MAX);
}

TEST(DebianPlannerTest, EqualVersionsPreferTheEarlierRepository) {
  auto index = IndexOf({Para("tool", "1.0", "Description: from updates\n"), Para("tool", "1.0", "Description: from main\n") + Para("tool", "0.9")});
  std::string why;
  auto plan = PlanFor(index, {"tool"}, &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(index.package(plan->packages[0].id).repo, 0u);
}

TEST(DebianPlannerTest, SearchBudgetIsReported) {
  // Every alternative of every group leads into a conflict only found at
  // the end: exponential without a budget.
  std::string repo = Para("last", "1", "Conflicts: " + std::string("c0") + "\n");
  std::string deps;
  for (int i = 0; i < 30; ++i) {
    std::string n = std::to_string(i);
    repo += Para("a" + n, "1", "Depends: c0\n") + Para("b" + n, "1", "Depends: c0\n");
    deps += "a" + n + " | b" + n + ", ";
  }
  repo += Para("c0", "1") + Para("app", "1", "Depends: " + deps + "last\n");
  auto index = IndexOf({repo});
  PlanRequest request;
  request.packages = {"app"};
  request.step_budget = 10000;
  std::string why;
  EXPECT_FALSE(PlanDebian(index, request, &why));
  EXPECT_NE(why.find("gave up after 10000 steps"), std::string::npos) << why;
}

}  // namespace
}  // namespace tinyrange::packages
