#include "builder/install/debian_install.h"

#include <gtest/gtest.h>

#include <string>

#include "builder/archive/archive_test_util.h"
#include "builder/install/install_error.h"
#include "builder/install/install_test_util.h"
#include "guest-init/install_steps.h"

namespace tinyrange::install {
namespace {

using archive::testing::FindEntry;
using archive::testing::ReadArchive;
using archive::testing::ReadEntry;
using archive::testing::ScratchDir;
using testing::Dir;
using testing::File;
using testing::Symlink;

// Control stanzas as dpkg-gencontrol writes them (its field order, not
// dpkg's status order).
const char kBusyboxControl[] =
    "Package: busybox\n"
    "Source: busybox (1:1.36.1-3)\n"
    "Version: 1:1.36.1-3+b1\n"
    "Architecture: amd64\n"
    "Maintainer: Debian Install System Team <debian-boot@lists.debian.org>\n"
    "Installed-Size: 2057\n"
    "Depends: libc6 (>= 2.34)\n"
    "Built-Using: glibc (= 2.37-7)\n"
    "Section: utils\n"
    "Priority: optional\n"
    "Essential: yes\n"
    "Multi-Arch: foreign\n"
    "Homepage: http://www.busybox.net\n"
    "Description: Tiny utilities for small and embedded systems\n"
    " BusyBox combines tiny versions of many common UNIX utilities into a single\n"
    " small executable.\n"
    " .\n"
    " It provides minimalist replacements for the most common utilities.\n";

class DebianInstallTest : public ::testing::Test {
 protected:
  // busybox: preinst, postinst, a conffile (in the data), one listed only
  // in md5sums, one in neither; man pages (activates man-db's file trigger).
  PlannedArchive Busybox() {
    testing::WritePackageArchive(
        dir_ / "busybox.tr", "debian", "busybox",
        {{"control", kBusyboxControl},
         {"md5sums",
          "401b30e3b8b5d629635a5c613cdb7919  etc/listed.conf\n"
          "0123456789abcdef0123456789abcdef  bin/busybox\n"},
         {"conffiles", "/etc/busybox.conf\n/etc/listed.conf\n/etc/missing.conf\n"},
         {"preinst", "#!/bin/sh\nexit 0\n"},
         {"postinst", "#!/bin/sh\nexit 0\n"}},
        {Dir("bin"), File("bin/busybox", "ELF", 0755), Symlink("bin/sh", "busybox"), Dir("etc"),
         File("etc/busybox.conf", "verbose=1\n"), Dir("usr"), Dir("usr/share"), Dir("usr/share/man"),
         Dir("usr/share/man/man1"), File("usr/share/man/man1/busybox.1.gz", "gz")});
    return {"busybox", "1:1.36.1-3+b1", "amd64", (dir_ / "busybox.tr").string()};
  }
  // libfoo: Multi-Arch: same, activates ldconfig, has a postinst.
  PlannedArchive Libfoo() {
    testing::WritePackageArchive(dir_ / "libfoo.tr", "debian", "libfoo1",
                                 {{"control",
                                   "Package: libfoo1\nVersion: 2.0-1\nArchitecture: amd64\nMulti-Arch: same\n"
                                   "Maintainer: A <a@example.org>\nDescription: foo library\n"},
                                  {"triggers", "# comment\nactivate-noawait ldconfig\n"},
                                  {"shlibs", "libfoo 1 libfoo1 (>= 2.0)\n"},
                                  {"postinst", "#!/bin/sh\n"}},
                                 {Dir("usr"), Dir("usr/lib"), Dir("usr/lib/x86_64-linux-gnu"),
                                  File("usr/lib/x86_64-linux-gnu/libfoo.so.1", "lib")});
    return {"libfoo1", "2.0-1", "amd64", (dir_ / "libfoo.tr").string()};
  }
  // libc-bin: interested in ldconfig, no preinst.
  PlannedArchive LibcBin() {
    testing::WritePackageArchive(dir_ / "libc-bin.tr", "debian", "libc-bin",
                                 {{"control",
                                   "Package: libc-bin\nVersion: 2.37-7\nArchitecture: amd64\nEssential: no\n"
                                   "Maintainer: G <g@example.org>\nDescription: GNU C Library: Binaries\n"},
                                  {"triggers", "interest-noawait ldconfig\n"},
                                  {"postinst", "#!/bin/sh\n"}},
                                 {Dir("sbin"), File("sbin/ldconfig", "ELF", 0755)});
    return {"libc-bin", "2.37-7", "amd64", (dir_ / "libc-bin.tr").string()};
  }
  // man-db: a file trigger on /usr/share/man and an explicit trigger
  // nothing activates.
  PlannedArchive ManDb() {
    testing::WritePackageArchive(dir_ / "man-db.tr", "debian", "man-db",
                                 {{"control",
                                   "Package: man-db\nVersion: 2.11-1\nArchitecture: amd64\n"
                                   "Maintainer: M <m@example.org>\nDescription: manual pager\n"},
                                  {"triggers", "interest-noawait /usr/share/man/\ninterest man-db-unused\n"},
                                  {"postinst", "#!/bin/sh\n"}},
                                 {Dir("usr"), Dir("usr/bin"), File("usr/bin/man", "ELF", 0755)});
    return {"man-db", "2.11-1", "amd64", (dir_ / "man-db.tr").string()};
  }

  // dash: no scripts; the /bin/sh the others' scripts need.
  PlannedArchive Dash() {
    testing::WritePackageArchive(dir_ / "dash.tr", "debian", "dash",
                                 {{"control",
                                   "Package: dash\nVersion: 0.5.12-2\nArchitecture: amd64\n"
                                   "Description: POSIX-compliant shell\n"}},
                                 {Dir("bin"), File("bin/dash", "ELF", 0755), Symlink("bin/sh", "dash")});
    return {"dash", "0.5.12-2", "amd64", (dir_ / "dash.tr").string()};
  }

  InstallOptions Options(const std::string& tag = "") {
    InstallOptions options;
    options.database_archive = dir_ / ("db" + tag + ".tr");
    options.steps_archive = dir_ / ("steps" + tag + ".tr");
    options.native_architecture = "amd64";
    return options;
  }

  static std::string Data(const std::vector<ReadEntry>& entries, const std::string& name) {
    const ReadEntry* entry = FindEntry(entries, name);
    EXPECT_NE(entry, nullptr) << name;
    return entry ? entry->data : "";
  }

  std::vector<InstallStep> StepsOf(const InstallOptions& options) {
    std::vector<ReadEntry> entries = ReadArchive(options.steps_archive);
    return testing::DecodeSteps(Data(entries, ".tinyrange/install/steps"));
  }

  ScratchDir dir_;
};

TEST_F(DebianInstallTest, StatusStanzaInDpkgOrderWithConffiles) {
  InstallOptions options = Options();
  InstallDebianPackages({Busybox()}, options);
  std::string status = Data(ReadArchive(options.database_archive), "var/lib/dpkg/status");
  EXPECT_EQ(status,
            "Package: busybox\n"
            "Essential: yes\n"
            "Status: install ok installed\n"
            "Priority: optional\n"
            "Section: utils\n"
            "Installed-Size: 2057\n"
            "Maintainer: Debian Install System Team <debian-boot@lists.debian.org>\n"
            "Architecture: amd64\n"
            "Multi-Arch: foreign\n"
            "Source: busybox (1:1.36.1-3)\n"
            "Version: 1:1.36.1-3+b1\n"
            "Depends: libc6 (>= 2.34)\n"
            "Conffiles:\n"
            " /etc/busybox.conf ecc7b19378d368e84efda4cfe17d9648\n"
            " /etc/listed.conf 401b30e3b8b5d629635a5c613cdb7919\n"
            " /etc/missing.conf newconffile\n"
            "Description: Tiny utilities for small and embedded systems\n"
            " BusyBox combines tiny versions of many common UNIX utilities into a single\n"
            " small executable.\n"
            " .\n"
            " It provides minimalist replacements for the most common utilities.\n"
            "Built-Using: glibc (= 2.37-7)\n"
            "Homepage: http://www.busybox.net\n"
            "\n");
}

TEST_F(DebianInstallTest, StatusSortedByNameAndStatusRightAfterPackage) {
  InstallOptions options = Options();
  InstallDebianPackages({Dash(), ManDb(), LibcBin(), Libfoo()}, options);
  std::string status = Data(ReadArchive(options.database_archive), "var/lib/dpkg/status");
  size_t libc = status.find("Package: libc-bin\nStatus: install ok installed\n");
  size_t libfoo = status.find("Package: libfoo1\nStatus: install ok installed\n");
  size_t man = status.find("Package: man-db\nStatus: install ok installed\n");
  ASSERT_NE(libc, std::string::npos) << status;
  ASSERT_NE(libfoo, std::string::npos) << status;
  ASSERT_NE(man, std::string::npos) << status;
  EXPECT_LT(libc, libfoo);
  EXPECT_LT(libfoo, man);
  // "Essential: no" is not written, as dpkg does not write it.
  EXPECT_EQ(status.find("Essential"), std::string::npos);
  // Stanzas are separated by one blank line and no Conffiles without conffiles.
  EXPECT_EQ(status.find("Conffiles"), std::string::npos);
  EXPECT_TRUE(status.ends_with("Description: manual pager\n\n")) << status;
}

TEST_F(DebianInstallTest, InfoFilesListAndDirectories) {
  InstallOptions options = Options();
  InstallDebianPackages({Busybox()}, options);
  std::vector<ReadEntry> entries = ReadArchive(options.database_archive);
  EXPECT_EQ(Data(entries, "var/lib/dpkg/info/busybox.list"),
            "/.\n/bin\n/bin/busybox\n/bin/sh\n/etc\n/etc/busybox.conf\n/usr\n/usr/share\n/usr/share/man\n"
            "/usr/share/man/man1\n/usr/share/man/man1/busybox.1.gz\n");
  EXPECT_EQ(Data(entries, "var/lib/dpkg/info/busybox.conffiles"),
            "/etc/busybox.conf\n/etc/listed.conf\n/etc/missing.conf\n");
  EXPECT_EQ(Data(entries, "var/lib/dpkg/info/busybox.preinst"), "#!/bin/sh\nexit 0\n");
  EXPECT_EQ(FindEntry(entries, "var/lib/dpkg/info/busybox.preinst")->entry.mode, 0755u);
  EXPECT_EQ(FindEntry(entries, "var/lib/dpkg/info/busybox.postinst")->entry.mode, 0755u);
  EXPECT_EQ(FindEntry(entries, "var/lib/dpkg/info/busybox.md5sums")->entry.mode, 0644u);
  EXPECT_EQ(FindEntry(entries, "var/lib/dpkg/info/busybox.control"), nullptr);
  EXPECT_EQ(Data(entries, "var/lib/dpkg/arch"), "amd64\n");
  EXPECT_EQ(Data(entries, "var/lib/dpkg/available"), "");
  // Every parent directory comes before its children; all root-owned, mtime 0.
  std::set<std::string> seen;
  for (const ReadEntry& entry : entries) {
    size_t slash = entry.entry.name.rfind('/');
    if (slash != std::string::npos) {
      EXPECT_TRUE(seen.count(entry.entry.name.substr(0, slash))) << entry.entry.name;
    }
    EXPECT_EQ(entry.entry.uid, 0u);
    EXPECT_EQ(entry.entry.mtime, 0);
    if (entry.entry.type == archive::EntryType::kDirectory) seen.insert(entry.entry.name);
  }
  for (const char* dir : {"info", "updates", "triggers", "alternatives", "parts"}) {
    EXPECT_TRUE(seen.count(std::string("var/lib/dpkg/") + dir)) << dir;
  }
}

TEST_F(DebianInstallTest, MultiArchSameInfoNames) {
  InstallOptions options = Options();
  InstallDebianPackages({Dash(), LibcBin(), Libfoo()}, options);
  std::vector<ReadEntry> entries = ReadArchive(options.database_archive);
  EXPECT_EQ(Data(entries, "var/lib/dpkg/info/libfoo1:amd64.list"),
            "/.\n/usr\n/usr/lib\n/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/libfoo.so.1\n");
  EXPECT_NE(FindEntry(entries, "var/lib/dpkg/info/libfoo1:amd64.shlibs"), nullptr);
  // That naming is the multiarch layout, which dpkg only uses when told.
  EXPECT_EQ(Data(entries, "var/lib/dpkg/info/format"), "1\n");
  EXPECT_EQ(FindEntry(entries, "var/lib/dpkg/info/libfoo1.list"), nullptr);
  EXPECT_NE(FindEntry(entries, "var/lib/dpkg/info/libc-bin.list"), nullptr);
  std::vector<InstallStep> steps = StepsOf(options);
  ASSERT_GE(steps.size(), 2u);
  EXPECT_EQ(steps[1].argv[0], "/var/lib/dpkg/info/libfoo1:amd64.postinst");
  EXPECT_EQ(steps[1].env[0], "DPKG_MAINTSCRIPT_PACKAGE=libfoo1");
  // The interest is recorded for dpkg runs in the VM.
  EXPECT_EQ(Data(entries, "var/lib/dpkg/triggers/ldconfig"), "libc-bin/noawait\n");
}

TEST_F(DebianInstallTest, StepsOrderAndEnvironment) {
  InstallOptions options = Options();
  InstallResult result = InstallDebianPackages({LibcBin(), Busybox(), ManDb()}, options);
  std::vector<InstallStep> steps = StepsOf(options);
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_EQ(result.steps, 5u);
  EXPECT_TRUE(result.steps_written);
  EXPECT_EQ(steps[0].label, "busybox: preinst install");
  EXPECT_EQ(steps[0].argv, (std::vector<std::string>{"/var/lib/dpkg/info/busybox.preinst", "install"}));
  EXPECT_EQ(steps[1].label, "libc-bin: postinst configure");
  EXPECT_EQ(steps[1].argv, (std::vector<std::string>{"/var/lib/dpkg/info/libc-bin.postinst", "configure", ""}));
  EXPECT_EQ(steps[2].label, "busybox: postinst configure");
  EXPECT_EQ(steps[3].label, "man-db: postinst configure");
  // busybox ships /usr/share/man/...: man-db's file trigger (declared with
  // a trailing slash) runs once, after every configure; its explicit
  // trigger that nothing activates does not.
  EXPECT_EQ(steps[4].label, "man-db: postinst triggered");
  EXPECT_EQ(steps[4].argv,
            (std::vector<std::string>{"/var/lib/dpkg/info/man-db.postinst", "triggered", "/usr/share/man/"}));
  EXPECT_EQ(steps[0].env,
            (std::vector<std::string>{"DPKG_MAINTSCRIPT_PACKAGE=busybox", "DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1",
                                      "DPKG_MAINTSCRIPT_ARCH=amd64", "DPKG_MAINTSCRIPT_NAME=preinst",
                                      "DPKG_ADMINDIR=/var/lib/dpkg", "DPKG_ROOT=", "DPKG_RUNNING_VERSION=",
                                      "DEBIAN_FRONTEND=noninteractive", "DEBCONF_NONINTERACTIVE_SEEN=true"}));
  EXPECT_EQ(steps[4].env[3], "DPKG_MAINTSCRIPT_NAME=postinst");
  std::vector<ReadEntry> entries = ReadArchive(options.steps_archive);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].entry.name, ".tinyrange");
  EXPECT_EQ(entries[1].entry.name, ".tinyrange/install");
  EXPECT_EQ(Data(ReadArchive(options.database_archive), "var/lib/dpkg/triggers/File"),
            "/usr/share/man/ man-db/noawait\n");
}

TEST_F(DebianInstallTest, ExplicitTriggerRunsOnlyWhenActivated) {
  InstallOptions with = Options("with");
  InstallDebianPackages({Dash(), LibcBin(), Libfoo()}, with);
  std::vector<InstallStep> steps = StepsOf(with);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[2].label, "libc-bin: postinst triggered");
  EXPECT_EQ(steps[2].argv[2], "ldconfig");

  InstallOptions without = Options("without");
  InstallDebianPackages({Dash(), LibcBin(), ManDb()}, without);
  steps = StepsOf(without);
  ASSERT_EQ(steps.size(), 2u);  // two configures; nothing activates ldconfig or /usr/share/man
  EXPECT_EQ(steps[0].label, "libc-bin: postinst configure");
  EXPECT_EQ(steps[1].label, "man-db: postinst configure");
}

TEST_F(DebianInstallTest, AScriptWithoutItsInterpreterIsNamed) {
  try {
    InstallDebianPackages({LibcBin()}, Options());
    FAIL() << "a plan without /bin/sh was accepted";
  } catch (const InstallError& e) {
    EXPECT_NE(std::string(e.what()).find("libc-bin: its postinst runs /bin/sh, which no package of the plan installs"),
              std::string::npos)
        << e.what();
  }
}

// From trixie on, dash ships /usr/bin/sh; in the merged-/usr root that is
// the /bin/sh of "#!/bin/sh".
TEST_F(DebianInstallTest, AnInterpreterUnderUsrServesItsMergedName) {
  testing::WritePackageArchive(dir_ / "dash-usr.tr", "debian", "dash",
                               {{"control",
                                 "Package: dash\nVersion: 0.5.12-12\nArchitecture: amd64\n"
                                 "Description: POSIX-compliant shell\n"}},
                               {Dir("usr"), Dir("usr/bin"), File("usr/bin/dash", "ELF", 0755),
                                Symlink("usr/bin/sh", "dash")});
  InstallResult result =
      InstallDebianPackages({{"dash", "0.5.12-12", "amd64", (dir_ / "dash-usr.tr").string()}, LibcBin()}, Options());
  EXPECT_GT(result.steps, 0u);
}

TEST_F(DebianInstallTest, NoScriptsNoStepsArchive) {
  testing::WritePackageArchive(dir_ / "data.tr", "debian", "data",
                               {{"control",
                                 "Package: data\nVersion: 1\nArchitecture: all\n"
                                 "Maintainer: D <d@example.org>\nDescription: data\n"}},
                               {Dir("usr")});
  InstallOptions options = Options();
  options.native_architecture = "";
  archive::testing::WriteFile(options.steps_archive, "stale");
  InstallResult result = InstallDebianPackages({{"data", "1", "all", (dir_ / "data.tr").string()}}, options);
  EXPECT_EQ(result.steps, 0u);
  EXPECT_FALSE(result.steps_written);
  EXPECT_FALSE(std::filesystem::exists(options.steps_archive));
  // No architecture known: no arch file rather than a wrong one.
  EXPECT_EQ(FindEntry(ReadArchive(options.database_archive), "var/lib/dpkg/arch"), nullptr);
}

TEST_F(DebianInstallTest, Deterministic) {
  InstallOptions first = Options("1"), second = Options("2");
  first.mtime = second.mtime = 1700000000;
  InstallResult a = InstallDebianPackages({LibcBin(), Libfoo(), Busybox(), ManDb()}, first);
  InstallResult b = InstallDebianPackages({LibcBin(), Libfoo(), Busybox(), ManDb()}, second);
  EXPECT_EQ(archive::testing::ReadFile(first.database_archive), archive::testing::ReadFile(second.database_archive));
  EXPECT_EQ(archive::testing::ReadFile(first.steps_archive), archive::testing::ReadFile(second.steps_archive));
  EXPECT_EQ(a.database_sha256, b.database_sha256);
  EXPECT_EQ(a.steps_sha256, b.steps_sha256);
  EXPECT_EQ(ReadArchive(first.database_archive)[0].entry.mtime, 1700000000);
  // No temporary files are left beside the outputs.
  EXPECT_EQ(archive::testing::ListDir(dir_.path()).size(), 8u);
}

void ExpectInstallError(const std::function<void()>& run, const std::string& needle) {
  try {
    run();
    FAIL() << "no error; expected " << needle;
  } catch (const InstallError& error) {
    EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
  }
}

TEST_F(DebianInstallTest, Errors) {
  InstallOptions options = Options();
  testing::WritePackageArchive(dir_ / "nocontrol.tr", "debian", "nocontrol", {{"postinst", "#!/bin/sh\n"}}, {});
  std::string nocontrol = (dir_ / "nocontrol.tr").string();
  ExpectInstallError(
      [&] {
        InstallDebianPackages({{"nocontrol", "1", "amd64", nocontrol}}, options);
      },
      "nocontrol: the package has no control file (.tinyrange/packages/debian/nocontrol/control in " + nocontrol + ")");

  testing::WritePackageArchive(dir_ / "nopackage.tr", "debian", "busybox", {{"control", "Version: 1\n"}}, {});
  std::string nopackage = (dir_ / "nopackage.tr").string();
  ExpectInstallError(
      [&] {
        InstallDebianPackages({{"busybox", "1", "amd64", nopackage}}, options);
      },
      "busybox: control file has no Package field (.tinyrange/packages/debian/busybox/control in " + nopackage + ")");

  // The archive holds another package.
  PlannedArchive busybox = Busybox();
  busybox.name = "dash";
  ExpectInstallError([&] { InstallDebianPackages({busybox}, options); },
                     "dash: the package is not in its archive: no metadata directory (.tinyrange/packages/debian/dash");

  ExpectInstallError(
      [&] {
        InstallDebianPackages({{"gone", "1", "amd64", (dir_ / "gone.tr").string()}}, options);
      },
      "gone: cannot read the package archive");

  testing::WritePackageArchive(dir_ / "badtrig.tr", "debian", "badtrig",
                               {{"control", "Package: badtrig\n"}, {"triggers", "frobnicate x\n"}}, {});
  ExpectInstallError(
      [&] {
        InstallDebianPackages({{"badtrig", "1", "amd64", (dir_ / "badtrig.tr").string()}}, options);
      },
      "badtrig: the triggers file is malformed: unknown directive \"frobnicate\"");

  ExpectInstallError(
      [&] {
        InstallDebianPackages({LibcBin(), LibcBin()}, options);
      },
      "libc-bin: the package appears twice in the plan");
  // Nothing was written by the failed runs.
  EXPECT_FALSE(std::filesystem::exists(options.database_archive));
  EXPECT_FALSE(std::filesystem::exists(options.steps_archive));
}

}  // namespace
}  // namespace tinyrange::install
