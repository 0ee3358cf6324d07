// The whole Debian path against the real mirror of this machine's apt
// sources: fetch and verify the bookworm indexes with our own code, plan
// build-essential, and compare with apt's answer from its own lists. Needs
// the network (skips loudly without it) and apt's lists from the same
// snapshot as the mirror (skips loudly if `apt-get update` is older).
#include "builder/packages/debian_collection.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "builder/download/cache_paths.h"
#include "builder/packages/control_file.h"
#include "builder/packages/debian_planner.h"

namespace tinyrange::packages {
namespace {

namespace fs = std::filesystem;

// The Date: of a Release file (signed wrapper or not).
std::string ReleaseDate(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Date: ", 0) == 0) return line.substr(6);
  }
  return "";
}

std::set<std::string> AptChoice(const std::string& packages) {
  std::set<std::string> chosen;
  std::string command = "apt-get -s -o Dir::State::status=/dev/null --no-install-recommends install " + packages + " 2>/dev/null";
  FILE* out = popen(command.c_str(), "r");
  char line[4096];
  while (out && std::fgets(line, sizeof line, out)) {
    char name[512], version[512];
    if (std::sscanf(line, "Inst %511s (%511s", name, version) == 2) chosen.insert(std::string(name) + "=" + version);
  }
  if (out) pclose(out);
  return chosen;
}

TEST(DebianCollectionTest, PlansBuildEssentialFromTheRealMirrorLikeApt) {
  CollectionOptions options;
  std::vector<std::string> notes;
  std::string error;
  auto index = OpenDebianCollection(options, &notes, &error);
  if (!index && (error.find("Could not resolve") != std::string::npos || error.find("connect") != std::string::npos ||
                 error.find("Timeout") != std::string::npos || error.find("no apt source") != std::string::npos)) {
    GTEST_SKIP() << "SKIPPED LOUDLY: the Debian mirror is not reachable from here: " << error;
  }
  ASSERT_TRUE(index) << error;
  // Same snapshot as apt's lists?
  std::string ours_dir = download::CacheRoot() + "/repos/debian";
  for (const auto& entry : fs::recursive_directory_iterator(ours_dir)) {
    if (entry.path().filename() != "InRelease") continue;
    std::string suite = entry.path().parent_path().filename().string();
    std::string date = ReleaseDate(entry.path());
    bool matched = false;
    for (const auto& apt : fs::directory_iterator("/var/lib/apt/lists")) {
      std::string name = apt.path().filename().string();
      if (name.find("_dists_" + suite + "_InRelease") != std::string::npos) matched = ReleaseDate(apt.path()) == date;
    }
    if (!matched) {
      GTEST_SKIP() << "SKIPPED LOUDLY: apt's lists for " << suite
                   << " are not from the mirror's current snapshot; run apt-get update to compare";
    }
  }
  PlanRequest request;
  request.packages = {"build-essential"};
  auto plan = PlanDebian(*index, request, &error);
  ASSERT_TRUE(plan) << error;
  std::set<std::string> ours;
  for (const auto& p : plan->packages) ours.insert(index->package(p.id).record.name + "=" + index->package(p.id).record.version);
  EXPECT_EQ(ours, AptChoice("build-essential"));
}

}  // namespace
}  // namespace tinyrange::packages
