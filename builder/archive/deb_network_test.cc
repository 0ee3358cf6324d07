// Real .debs from the Debian mirror of this machine's apt sources (found
// the way the builder finds it, builder/packages): a few small packages
// are fetched, converted, and checked against their own md5sums and
// against dpkg-deb's listing of their data. Needs the network; skips
// loudly without it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdio>
#include <set>
#include <sstream>

#include "builder/archive/archive_converter.h"
#include "builder/archive/archive_test_util.h"
#include "builder/download/downloader.h"
#include "builder/packages/debian_collection.h"

namespace tinyrange::archive {
namespace {

namespace fs = std::filesystem;
using testing::ReadArchive;
using testing::ReadEntry;
using testing::ScratchDir;

std::string Md5Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
  std::string hex;
  char byte[3];
  for (unsigned i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

// The names dpkg-deb sees in the package's data, normalised like ours.
std::set<std::string> DpkgDataNames(const fs::path& deb) {
  std::set<std::string> names;
  std::string command = "dpkg-deb --fsys-tarfile '" + deb.string() + "' | tar -t";
  FILE* out = popen(command.c_str(), "r");
  char line[8192];
  while (out && std::fgets(line, sizeof line, out)) {
    std::string name(line);
    if (!name.empty() && name.back() == '\n') name.pop_back();
    if (name.starts_with("./")) name = name.substr(2);
    if (!name.empty() && name.back() == '/') name.pop_back();
    if (!name.empty()) names.insert(name);
  }
  if (out) pclose(out);
  return names;
}

TEST(DebNetworkTest, ConvertsRealPackagesFromTheMirror) {
  packages::CollectionOptions options;
  std::vector<std::string> notes;
  std::string error;
  auto index = packages::OpenDebianCollection(options, &notes, &error);
  if (!index && (error.find("Could not resolve") != std::string::npos || error.find("connect") != std::string::npos ||
                 error.find("Timeout") != std::string::npos || error.find("no apt source") != std::string::npos)) {
    GTEST_SKIP() << "SKIPPED LOUDLY: the Debian mirror is not reachable from here: " << error;
  }
  ASSERT_TRUE(index) << error;

  ScratchDir dir;
  // Small packages with maintainer scripts, conffiles, symlinks and
  // directories between them.
  for (const std::string name : {"hostname", "netbase", "debianutils"}) {
    const auto& ids = index->WithName(name);
    ASSERT_FALSE(ids.empty()) << name;
    const auto& record = index->package(ids.front()).record;
    download::DownloadRequest request;
    request.url = index->PackageUrl(ids.front());
    request.destination = (dir / (name + ".deb")).string();
    request.size = record.size;
    if (record.checksum.starts_with("sha256:")) request.sha256 = record.checksum.substr(7);
    download::Downloader downloader(download::DownloadOptions{});
    auto results = downloader.Fetch({request});
    if (!results[0].ok && (results[0].error.find("resolve") != std::string::npos ||
                           results[0].error.find("connect") != std::string::npos)) {
      GTEST_SKIP() << "SKIPPED LOUDLY: cannot fetch " << request.url << ": " << results[0].error;
    }
    ASSERT_TRUE(results[0].ok) << results[0].error;

    ConvertResult result = ConvertToArchive(request.destination, dir / (name + ".tra"), {});
    EXPECT_EQ(result.package_name, name);
    auto entries = ReadArchive(dir / (name + ".tra"));
    std::string meta = ".tinyrange/packages/debian/" + name + "/";
    const ReadEntry* control = testing::FindEntry(entries, meta + "control");
    ASSERT_TRUE(control) << name;
    EXPECT_THAT(control->data, ::testing::HasSubstr("Package: " + name + "\n"));

    // Every file md5sums lists is there with that content.
    const ReadEntry* md5sums = testing::FindEntry(entries, meta + "md5sums");
    ASSERT_TRUE(md5sums) << name;
    std::istringstream lines(md5sums->data);
    std::string line;
    int checked = 0;
    while (std::getline(lines, line)) {
      std::string sum = line.substr(0, 32);
      std::string path = line.substr(34);
      const ReadEntry* file = testing::FindEntry(entries, path);
      ASSERT_TRUE(file) << name << ": " << path;
      if (file->entry.type == EntryType::kHardLink) file = testing::FindEntry(entries, file->entry.link);
      EXPECT_EQ(Md5Hex(file->data), sum) << name << ": " << path;
      ++checked;
    }
    EXPECT_GT(checked, 0) << name;

    std::set<std::string> ours;
    for (const auto& e : entries) {
      if (!e.entry.name.starts_with(".tinyrange")) ours.insert(e.entry.name);
    }
    EXPECT_EQ(ours, DpkgDataNames(request.destination)) << name;
  }
}

}  // namespace
}  // namespace tinyrange::archive
