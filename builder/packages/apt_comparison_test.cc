// The planner against apt itself, on the real Debian index this machine's
// apt knows (its lists under /var/lib/apt/lists, from the configured
// mirror): for each request both must choose the same packages at the same
// versions. apt runs with an empty status file and without Recommends,
// which is what a plan is: the dependency closure from nothing.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "builder/packages/debian_index.h"
#include "builder/packages/debian_planner.h"
#include "builder/packages/decompress.h"

namespace tinyrange::packages {
namespace {

constexpr const char* kLists = "/var/lib/apt/lists";

// apt's amd64 Packages lists, the security and updates suites first (they
// hold the newer versions; the order only breaks ties).
std::vector<std::string> AptLists() {
  std::vector<std::string> lists;
  DIR* dir = opendir(kLists);
  if (!dir) return lists;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.find("_binary-amd64_Packages") != std::string::npos) lists.push_back(std::string(kLists) + "/" + name);
  }
  closedir(dir);
  std::sort(lists.begin(), lists.end(), [](const std::string& a, const std::string& b) {
    auto rank = [](const std::string& s) { return s.find("-security_") != std::string::npos ? 0 : s.find("-updates_") != std::string::npos ? 1 : 2; };
    return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
  });
  return lists;
}

std::set<std::string> AptChoice(const std::string& packages) {
  std::set<std::string> chosen;
  std::string command = "apt-get -s -o Dir::State::status=/dev/null --no-install-recommends install " + packages + " 2>/dev/null";
  FILE* out = popen(command.c_str(), "r");
  if (!out) return chosen;
  char line[4096];
  while (std::fgets(line, sizeof line, out)) {
    // "Inst NAME (VERSION SUITE [ARCH])"
    char name[512], version[512];
    if (std::sscanf(line, "Inst %511s (%511s", name, version) == 2) chosen.insert(std::string(name) + "=" + version);
  }
  pclose(out);
  return chosen;
}

TEST(AptComparisonTest, SameInstallSetsAsApt) {
  auto lists = AptLists();
  if (lists.empty() || std::system("apt-get --version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "SKIPPED LOUDLY: no apt lists under " << kLists << " (run apt-get update) or no apt-get";
  }
  std::vector<RecordFile> files;
  for (const auto& path : lists) {
    std::string error;
    auto text = DecompressFile(path, &error);
    ASSERT_TRUE(text) << error;
    auto records = ConvertDebianPackages(*text, path, "amd64", &error);
    ASSERT_TRUE(records) << error;
    files.push_back({{Distro::kDebian, path}, std::move(*records)});
  }
  std::string error;
  auto index = PackageIndex::FromRecordFiles(std::move(files), &error);
  ASSERT_TRUE(index) << error;
  for (const std::string request : {"build-essential", "openssh-server postgresql git python3"}) {
    std::set<std::string> apt = AptChoice(request);
    ASSERT_FALSE(apt.empty()) << "apt-get chose nothing for " << request;
    PlanRequest plan_request;
    for (size_t pos = 0; pos < request.size();) {
      size_t space = request.find(' ', pos);
      if (space == std::string::npos) space = request.size();
      plan_request.packages.push_back(request.substr(pos, space - pos));
      pos = space + 1;
    }
    auto plan = PlanDebian(*index, plan_request, &error);
    ASSERT_TRUE(plan) << request << ": " << error;
    std::set<std::string> ours;
    for (const auto& p : plan->packages) ours.insert(index->package(p.id).record.name + "=" + index->package(p.id).record.version);
    std::vector<std::string> only_apt, only_ours;
    std::set_difference(apt.begin(), apt.end(), ours.begin(), ours.end(), std::back_inserter(only_apt));
    std::set_difference(ours.begin(), ours.end(), apt.begin(), apt.end(), std::back_inserter(only_ours));
    EXPECT_TRUE(only_apt.empty() && only_ours.empty())
        << request << ": apt only: " << ::testing::PrintToString(only_apt) << ", ours only: " << ::testing::PrintToString(only_ours);
  }
}

}  // namespace
}  // namespace tinyrange::packages
