#include "builder/packages/installers.h"

#include <gtest/gtest.h>

#include "builder/packages/debian_index.h"

namespace tinyrange::packages {
namespace {

PackageIndex TwoPackageIndex() {
  std::string text =
      "Package: app\nVersion: 1\nArchitecture: amd64\nDepends: lib\nFilename: pool/main/a/app/app_1_amd64.deb\n"
      "Size: 100\nSHA256: " + std::string(64, 'a') + "\n\n"
      "Package: lib\nVersion: 2\nArchitecture: amd64\nFilename: pool/main/l/lib/lib_2_amd64.deb\nSize: 200\nSHA256: " +
      std::string(64, 'b') + "\n\n";
  std::string error;
  auto records = ConvertDebianPackages(text, "Packages", "amd64", &error);
  EXPECT_TRUE(records) << error;
  auto index = PackageIndex::FromRecordFiles({{{Distro::kDebian, "test/main/amd64"}, *records}}, &error);
  EXPECT_TRUE(index) << error;
  index->SetRepoBaseUrls({"http://mirror.example.invalid/debian"});
  return std::move(*index);
}

TEST(InstallersTest, Level3IsTheDefaultAndNamesEachFile) {
  PackageIndex index = TwoPackageIndex();
  std::string error;
  PlanRequest request;
  request.packages = {"app"};
  auto plan = PlanDebian(index, request, &error);
  ASSERT_TRUE(plan) << error;
  auto installs = SelectInstallers(index, *plan, {}, &error);
  ASSERT_TRUE(installs) << error;
  ASSERT_EQ(installs->size(), 2u);
  const PackageInstall& lib = (*installs)[0];
  EXPECT_EQ(lib.installer, "download-archive");
  EXPECT_EQ(lib.url, "http://mirror.example.invalid/debian/pool/main/l/lib/lib_2_amd64.deb");
  EXPECT_EQ(lib.size, 200u);
  EXPECT_EQ(lib.checksum, "sha256:" + std::string(64, 'b'));
  EXPECT_TRUE(SelectInstallers(index, *plan, {"level3"}, &error));
}

TEST(InstallersTest, UnprovidedTagsAreAnErrorListingTheInstallers) {
  PackageIndex index = TwoPackageIndex();
  std::string error;
  PlanRequest request;
  request.packages = {"lib"};
  auto plan = PlanDebian(index, request, &error);
  ASSERT_TRUE(plan) << error;
  EXPECT_FALSE(SelectInstallers(index, *plan, {"level1"}, &error));
  EXPECT_NE(error.find("no installer provides the tags level1"), std::string::npos) << error;
  EXPECT_NE(error.find("download-archive (level3)"), std::string::npos) << error;
}

}  // namespace
}  // namespace tinyrange::packages
