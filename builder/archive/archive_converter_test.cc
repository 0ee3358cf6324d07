// The converter on archives made here in upstream formats: plain archives
// written with libarchive, .debs built with dpkg-deb, .apks laid out the
// way abuild lays them out, and archives with unsafe entries.
#include "builder/archive/archive_converter.h"

#include <archive.h>
#include <archive_entry.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include "builder/archive/archive_test_util.h"
#include "builder/archive/entry_sink.h"
#include "builder/download/sha256.h"

namespace tinyrange::archive {
namespace {

namespace fs = std::filesystem;
using testing::Base64;
using testing::FindEntry;
using testing::GzipMember;
using testing::Hex;
using ::testing::HasSubstr;
using testing::ListDir;
using testing::ReadArchive;
using testing::ReadEntry;
using testing::ReadFile;
using testing::ScratchDir;
using testing::Sha1;
using testing::Tar;
using testing::TarEntry;
using testing::WriteFile;

std::vector<std::string> Names(const std::vector<ReadEntry>& entries) {
  std::vector<std::string> names;
  for (const auto& e : entries) names.push_back(e.entry.name);
  return names;
}

// --- names and symlink targets --------------------------------------------

TEST(ConverterRulesTest, NormalisesNames) {
  std::string problem;
  EXPECT_EQ(internal::NormaliseName("./usr/bin/", &problem), "usr/bin");
  EXPECT_EQ(internal::NormaliseName("usr//./bin", &problem), "usr/bin");
  EXPECT_EQ(internal::NormaliseName(".", &problem), "");
  EXPECT_EQ(internal::NormaliseName("./", &problem), "");
  EXPECT_EQ(internal::NormaliseName(".hidden", &problem), ".hidden");
  EXPECT_FALSE(internal::NormaliseName("/etc", &problem));
  EXPECT_THAT(problem, HasSubstr("absolute"));
  EXPECT_FALSE(internal::NormaliseName("./a/../b", &problem));
  EXPECT_THAT(problem, HasSubstr("'..'"));
}

TEST(ConverterRulesTest, SymlinkTargetsThatLeaveTheRoot) {
  EXPECT_FALSE(internal::SymlinkEscapes("usr/bin/x", "/etc/passwd"));
  EXPECT_FALSE(internal::SymlinkEscapes("usr/bin/x", "../lib/y"));
  EXPECT_FALSE(internal::SymlinkEscapes("usr/bin/x", "../../etc"));
  EXPECT_FALSE(internal::SymlinkEscapes("x", "."));
  EXPECT_FALSE(internal::SymlinkEscapes("a/b", "c/../../d"));
  EXPECT_TRUE(internal::SymlinkEscapes("usr/bin/x", "../../../etc"));
  EXPECT_TRUE(internal::SymlinkEscapes("x", ".."));
  EXPECT_TRUE(internal::SymlinkEscapes("a/b", "c/../../../d"));
  EXPECT_TRUE(internal::SymlinkEscapes("a/b", "./../.."));
}

// --- plain archives ------------------------------------------------------

struct PlainEntry {
  std::string name;
  mode_t type;
  std::string data;
  std::string link;      // symlink target
  std::string hardlink;  // hard link target
  unsigned mode = 0644;
  unsigned major = 0, minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

// Writes `entries` with libarchive's writer in `format` through `filter`.
void WriteWithLibarchive(const fs::path& path, int format, int filter, const std::vector<PlainEntry>& entries) {
  struct archive* a = archive_write_new();
  ASSERT_EQ(archive_write_set_format(a, format), ARCHIVE_OK) << archive_error_string(a);
  if (filter != ARCHIVE_FILTER_NONE) {
    ASSERT_EQ(archive_write_add_filter(a, filter), ARCHIVE_OK);
  }
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK) << archive_error_string(a);
  for (const auto& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, e.mode);
    archive_entry_set_uid(entry, 1000);
    archive_entry_set_gid(entry, 100);
    archive_entry_set_mtime(entry, 1600000000, 0);
    if (!e.link.empty()) archive_entry_set_symlink(entry, e.link.c_str());
    if (!e.hardlink.empty()) archive_entry_set_hardlink(entry, e.hardlink.c_str());
    archive_entry_set_rdevmajor(entry, e.major);
    archive_entry_set_rdevminor(entry, e.minor);
    for (const auto& [key, value] : e.xattrs)
      archive_entry_xattr_add_entry(entry, key.c_str(), value.data(), value.size());
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    ASSERT_GE(archive_write_header(a, entry), ARCHIVE_WARN) << archive_error_string(a);
    if (!e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

std::vector<PlainEntry> EveryKind() {
  return {
      {"./", AE_IFDIR, "", "", "", 0755},
      {"./usr/", AE_IFDIR, "", "", "", 0755},
      {"./usr/bin/", AE_IFDIR, "", "", "", 0755},
      {"./usr/bin/tool",
       AE_IFREG,
       "#!/bin/sh\necho hi\n",
       "",
       "",
       04755,
       0,
       0,
       {{"security.capability", std::string("\x01\x00\x00\x02\x00\x20\x00\x00", 8)}, {"user.origin", "test"}}},
      {"./usr/bin/alias", AE_IFLNK, "", "tool", "", 0777},
      {"./usr/bin/same", AE_IFREG, "", "", "./usr/bin/tool", 04755},
      {"./dev/", AE_IFDIR, "", "", "", 0755},
      {"./dev/null", AE_IFCHR, "", "", "", 0666, 1, 3},
      {"./dev/vda", AE_IFBLK, "", "", "", 0660, 254, 0},
      {"./run/fifo", AE_IFIFO, "", "", "", 0600},
      {"./big", AE_IFREG, std::string(1 << 20, 'b') + "end"},
  };
}

void ExpectEveryKind(const std::vector<ReadEntry>& entries) {
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"usr", "usr/bin", "usr/bin/tool", "usr/bin/alias", "usr/bin/same",
                                                      "dev", "dev/null", "dev/vda", "run/fifo", "big"}));
  for (const auto& e : entries) {
    EXPECT_EQ(e.entry.uid, 1000u) << e.entry.name;
    EXPECT_EQ(e.entry.gid, 100u) << e.entry.name;
    EXPECT_EQ(e.entry.mtime, 1600000000) << e.entry.name;
  }
  const ReadEntry* tool = FindEntry(entries, "usr/bin/tool");
  ASSERT_TRUE(tool);
  EXPECT_EQ(tool->entry.type, EntryType::kFile);
  EXPECT_EQ(tool->entry.mode, 04755u);
  EXPECT_EQ(tool->data, "#!/bin/sh\necho hi\n");
  EXPECT_EQ(tool->entry.xattrs,
            (std::vector<std::pair<std::string, std::string>>{
                {"security.capability", std::string("\x01\x00\x00\x02\x00\x20\x00\x00", 8)}, {"user.origin", "test"}}));
  EXPECT_EQ(FindEntry(entries, "usr")->entry.type, EntryType::kDirectory);
  EXPECT_EQ(FindEntry(entries, "usr")->entry.mode, 0755u);
  EXPECT_EQ(FindEntry(entries, "usr/bin/alias")->entry.type, EntryType::kSymlink);
  EXPECT_EQ(FindEntry(entries, "usr/bin/alias")->entry.link, "tool");
  EXPECT_EQ(FindEntry(entries, "usr/bin/same")->entry.type, EntryType::kHardLink);
  EXPECT_EQ(FindEntry(entries, "usr/bin/same")->entry.link, "usr/bin/tool");
  const ReadEntry* null = FindEntry(entries, "dev/null");
  EXPECT_EQ(null->entry.type, EntryType::kCharDevice);
  EXPECT_EQ(null->entry.dev_major, 1u);
  EXPECT_EQ(null->entry.dev_minor, 3u);
  EXPECT_EQ(FindEntry(entries, "dev/vda")->entry.type, EntryType::kBlockDevice);
  EXPECT_EQ(FindEntry(entries, "dev/vda")->entry.dev_major, 254u);
  EXPECT_EQ(FindEntry(entries, "run/fifo")->entry.type, EntryType::kFifo);
  EXPECT_EQ(FindEntry(entries, "run/fifo")->entry.mode, 0600u);
  EXPECT_EQ(FindEntry(entries, "big")->data.size(), (1u << 20) + 3);
}

struct PlainCase {
  const char* name;
  int filter;
};

class PlainTarTest : public ::testing::TestWithParam<PlainCase> {};

TEST_P(PlainTarTest, ConvertsEveryKindOfEntry) {
  ScratchDir dir;
  fs::path input = dir / (std::string("in.") + GetParam().name);
  WriteWithLibarchive(input, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, GetParam().filter, EveryKind());
  EXPECT_EQ(DetectSourceKind(input), SourceKind::kPlain);
  ConvertResult result = ConvertToArchive(input, dir / "out.tra", {});
  EXPECT_EQ(result.entries, 10u);
  EXPECT_EQ(result.size, fs::file_size(dir / "out.tra"));
  EXPECT_EQ(result.sha256, download::Sha256Hex(ReadFile(dir / "out.tra")));
  EXPECT_EQ(result.package_name, "");
  ExpectEveryKind(ReadArchive(dir / "out.tra"));
  // Deterministic: the same input gives the same bytes.
  ConvertResult again = ConvertToArchive(input, dir / "again.tra", {});
  EXPECT_EQ(again.sha256, result.sha256);
  EXPECT_EQ(ReadFile(dir / "again.tra"), ReadFile(dir / "out.tra"));
  EXPECT_EQ((fs::status(dir / "out.tra").permissions() & fs::perms::all),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
}

INSTANTIATE_TEST_SUITE_P(Filters, PlainTarTest,
                         ::testing::Values(PlainCase{"tar", ARCHIVE_FILTER_NONE},
                                           PlainCase{"tar.gz", ARCHIVE_FILTER_GZIP},
                                           PlainCase{"tar.xz", ARCHIVE_FILTER_XZ},
                                           PlainCase{"tar.zst", ARCHIVE_FILTER_ZSTD},
                                           PlainCase{"tar.bz2", ARCHIVE_FILTER_BZIP2}),
                         [](const auto& test_info) {
                           std::string name = test_info.param.name;
                           for (char& c : name) c = c == '.' ? '_' : c;
                           return name;
                         });

TEST(PlainArchiveTest, GnuTarFromTheCommandLine) {
  ScratchDir dir;
  fs::path root = dir / "root";
  WriteFile(root / "etc/motd", "hello\n");
  fs::create_symlink("motd", root / "etc/motd.link");
  fs::create_hard_link(root / "etc/motd", root / "etc/motd.hard");
  ASSERT_TRUE(testing::Run("mkfifo '" + (root / "etc/pipe").string() + "'"));
  ASSERT_TRUE(testing::Run("tar --format=gnu --numeric-owner --owner=0 --group=0 --mtime=@1500000000 --sort=name -C '" +
                           root.string() + "' -czf '" + (dir / "in.tgz").string() + "' ."));
  ConvertToArchive(dir / "in.tgz", dir / "out.tra", {});
  auto entries = ReadArchive(dir / "out.tra");
  EXPECT_EQ(Names(entries),
            (std::vector<std::string>{"etc", "etc/motd", "etc/motd.hard", "etc/motd.link", "etc/pipe"}));
  EXPECT_EQ(FindEntry(entries, "etc/motd.hard")->entry.type, EntryType::kHardLink);
  EXPECT_EQ(FindEntry(entries, "etc/motd.hard")->entry.link, "etc/motd");
  EXPECT_EQ(FindEntry(entries, "etc/motd.link")->entry.link, "motd");
  EXPECT_EQ(FindEntry(entries, "etc/pipe")->entry.type, EntryType::kFifo);
  EXPECT_EQ(FindEntry(entries, "etc/motd")->entry.mtime, 1500000000);
}

TEST(PlainArchiveTest, Zip) {
  ScratchDir dir;
  WriteWithLibarchive(dir / "in.zip", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE,
                      {{"docs/", AE_IFDIR, "", "", "", 0755},
                       {"docs/readme.txt", AE_IFREG, "read me\n", "", "", 0644},
                       {"docs/link", AE_IFLNK, "", "readme.txt", "", 0777}});
  ConvertResult result = ConvertToArchive(dir / "in.zip", dir / "out.tra", {.kind = SourceKind::kPlain});
  EXPECT_EQ(result.entries, 3u);
  auto entries = ReadArchive(dir / "out.tra");
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"docs", "docs/readme.txt", "docs/link"}));
  EXPECT_EQ(FindEntry(entries, "docs/readme.txt")->data, "read me\n");
  EXPECT_EQ(FindEntry(entries, "docs/link")->entry.type, EntryType::kSymlink);
  EXPECT_EQ(FindEntry(entries, "docs/link")->entry.link, "readme.txt");
}

TEST(PlainArchiveTest, Cpio) {
  ScratchDir dir;
  WriteWithLibarchive(dir / "in.cpio", ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, ARCHIVE_FILTER_GZIP,
                      {{"init", AE_IFREG, "#!/bin/sh\n", "", "", 0755},
                       {"dev", AE_IFDIR, "", "", "", 0755},
                       {"dev/console", AE_IFCHR, "", "", "", 0600, 5, 1}});
  ConvertToArchive(dir / "in.cpio", dir / "out.tra", {});
  auto entries = ReadArchive(dir / "out.tra");
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"init", "dev", "dev/console"}));
  EXPECT_EQ(FindEntry(entries, "dev/console")->entry.dev_major, 5u);
}

TEST(PlainArchiveTest, GarbageIsAnErrorAndLeavesNothing) {
  ScratchDir dir;
  WriteFile(dir / "in", "this is not an archive at all, just text\n");
  try {
    ConvertToArchive(dir / "in", dir / "out.tra", {});
    ADD_FAILURE();
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr((dir / "in").string()));
  }
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"in"});
}

// --- .deb ------------------------------------------------------------------

// Builds a .deb with dpkg-deb from a tree with a control file, maintainer
// scripts and a few kinds of files; `compression` is dpkg-deb's -Z.
fs::path BuildDeb(const ScratchDir& dir, const std::string& compression, const std::string& package = "tr-test-pkg",
                  const std::string& extra_symlink_target = "") {
  fs::path root = dir / ("deb-" + compression);
  WriteFile(root / "DEBIAN/control",
            "Package: " + package +
                "\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Test <test@example.invalid>\n"
                "Description: a test package\n");
  WriteFile(root / "DEBIAN/postinst", "#!/bin/sh\nset -e\necho configured\n");
  WriteFile(root / "DEBIAN/prerm", "#!/bin/sh\nexit 0\n");
  WriteFile(root / "DEBIAN/conffiles", "/etc/tr-test.conf\n");
  fs::permissions(root / "DEBIAN/postinst", fs::perms(0755));
  fs::permissions(root / "DEBIAN/prerm", fs::perms(0755));
  WriteFile(root / "etc/tr-test.conf", "setting = 1\n");
  WriteFile(root / "usr/bin/tr-test", "#!/bin/sh\necho test\n");
  fs::permissions(root / "usr/bin/tr-test", fs::perms(0755));
  fs::create_symlink("tr-test", root / "usr/bin/tr-test-alias");
  if (!extra_symlink_target.empty()) fs::create_symlink(extra_symlink_target, root / "usr/bin/escape");
  fs::path deb = dir / (package + "-" + compression + ".deb");
  EXPECT_TRUE(testing::Run("SOURCE_DATE_EPOCH=1650000000 dpkg-deb --root-owner-group -Z" + compression + " --build '" +
                           root.string() + "' '" + deb.string() + "' >/dev/null"));
  return deb;
}

class DebTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DebTest, ControlMembersGoUnderTinyrangeAndDataKeepsItsPaths) {
  ScratchDir dir;
  fs::path deb = BuildDeb(dir, GetParam());
  EXPECT_EQ(DetectSourceKind(deb), SourceKind::kDeb);
  ConvertResult result = ConvertToArchive(deb, dir / "out.tra", {});
  EXPECT_EQ(result.package_name, "tr-test-pkg");
  auto entries = ReadArchive(dir / "out.tra");
  std::string meta = ".tinyrange/packages/debian/tr-test-pkg";
  for (const std::string& name : {std::string(".tinyrange"), std::string(".tinyrange/packages"),
                                  std::string(".tinyrange/packages/debian"), meta}) {
    const ReadEntry* e = FindEntry(entries, name);
    ASSERT_TRUE(e) << name;
    EXPECT_EQ(e->entry.type, EntryType::kDirectory);
    EXPECT_EQ(e->entry.mode, 0755u);
  }
  ASSERT_TRUE(FindEntry(entries, meta + "/control"));
  EXPECT_THAT(FindEntry(entries, meta + "/control")->data, HasSubstr("Package: tr-test-pkg\n"));
  ASSERT_TRUE(FindEntry(entries, meta + "/postinst"));
  EXPECT_EQ(FindEntry(entries, meta + "/postinst")->entry.mode, 0755u);
  EXPECT_EQ(FindEntry(entries, meta + "/postinst")->data, "#!/bin/sh\nset -e\necho configured\n");
  EXPECT_TRUE(FindEntry(entries, meta + "/prerm"));
  EXPECT_EQ(FindEntry(entries, meta + "/conffiles")->data, "/etc/tr-test.conf\n");
  const ReadEntry* tool = FindEntry(entries, "usr/bin/tr-test");
  ASSERT_TRUE(tool);
  EXPECT_EQ(tool->entry.mode, 0755u);
  EXPECT_EQ(tool->entry.uid, 0u);
  EXPECT_EQ(tool->data, "#!/bin/sh\necho test\n");
  EXPECT_EQ(FindEntry(entries, "usr/bin/tr-test-alias")->entry.link, "tr-test");
  EXPECT_EQ(FindEntry(entries, "etc/tr-test.conf")->data, "setting = 1\n");
  EXPECT_FALSE(FindEntry(entries, ""));
  // Metadata first (control.tar comes first in the .deb), then data.
  EXPECT_EQ(entries[0].entry.name, ".tinyrange");
  EXPECT_EQ(ConvertToArchive(deb, dir / "again.tra", {}).sha256, result.sha256);
}

INSTANTIATE_TEST_SUITE_P(Compressions, DebTest, ::testing::Values("xz", "gzip", "zstd", "none"));

TEST(DebTest, PackageNameOptionNamesTheMetadataDirectory) {
  ScratchDir dir;
  fs::path deb = BuildDeb(dir, "xz");
  ConvertToArchive(deb, dir / "out.tra", {.package_name = "other", .kind = SourceKind::kDeb});
  auto entries = ReadArchive(dir / "out.tra");
  EXPECT_TRUE(FindEntry(entries, ".tinyrange/packages/debian/other/control"));
  EXPECT_THROW(ConvertToArchive(deb, dir / "bad.tra", {.package_name = "../x"}), ArchiveError);
  EXPECT_FALSE(fs::exists(dir / "bad.tra"));
}

TEST(DebTest, TruncatedDebIsAnErrorAndLeavesNothing) {
  ScratchDir dir;
  fs::path deb = BuildDeb(dir, "xz");
  std::string bytes = ReadFile(deb);
  WriteFile(dir / "cut/p.deb", bytes.substr(0, bytes.size() - 100));
  EXPECT_THROW(ConvertToArchive(dir / "cut/p.deb", dir / "cut/out.tra", {}), ArchiveError);
  EXPECT_EQ(ListDir(dir / "cut"), std::vector<std::string>{"p.deb"});
}

TEST(DebTest, UnsafeSymlinkNamesThePackageAndEntry) {
  ScratchDir dir;
  fs::path deb = BuildDeb(dir, "xz", "tr-evil", "../../../etc/shadow");
  fs::create_directories(dir / "out");
  try {
    ConvertToArchive(deb, dir / "out/x.tra", {});
    ADD_FAILURE();
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("package 'tr-evil'"));
    EXPECT_THAT(e.what(), HasSubstr("usr/bin/escape"));
    EXPECT_THAT(e.what(), HasSubstr("climbs above"));
  }
  EXPECT_TRUE(ListDir(dir / "out").empty());
}

// --- .apk ------------------------------------------------------------------

struct ApkParts {
  bool signature = true;
  // .PKGINFO's datahash: the data member's SHA-256 when `datahash` is set,
  // or this text when it is not empty.
  bool datahash = false;
  std::string datahash_text;
  std::vector<TarEntry> data = {
      {.name = "usr/", .type = '5', .mode = 0755},
      {.name = "usr/bin/", .type = '5', .mode = 0755},
      {.name = "usr/bin/hello",
       .data = "#!/bin/sh\necho hello\n",
       .mode = 0755,
       .pax = {{"APK-TOOLS.checksum.SHA1", "0123456789abcdef0123456789abcdef01234567"}}},
      {.name = "usr/bin/hi", .type = '2', .link = "hello", .mode = 0777},
      {.name = "usr/bin/hello2", .type = '1', .link = "usr/bin/hello", .mode = 0755},
      {.name = "etc/", .type = '5', .mode = 0755},
      {.name = "etc/.hidden", .data = "data, not control\n"},
  };
};

struct ApkMembers {
  std::string signature, control, data;
  std::string File() const { return signature + control + data; }
};

// An .apk as abuild makes it: signature tar and control tar without their
// end blocks, each its own gzip member, then the data tar, gzipped.
ApkMembers ApkSegments(const ApkParts& parts) {
  ApkMembers m;
  if (parts.signature) {
    m.signature = GzipMember(
        Tar({{.name = ".SIGN.RSA.builder@example.invalid-61a0b5c3.rsa.pub", .data = std::string(256, 's')}}, false));
  }
  m.data = GzipMember(Tar(parts.data, true));
  std::string pkginfo = "# Generated by abuild\npkgname = tr-hello\npkgver = 1.0-r0\narch = noarch\n";
  if (parts.datahash) pkginfo += "datahash = " + download::Sha256Hex(m.data) + "\n";
  if (!parts.datahash_text.empty()) pkginfo += "datahash = " + parts.datahash_text + "\n";
  m.control = GzipMember(Tar({{.name = ".PKGINFO",
                               .data = pkginfo,
                               .pax = {{"atime", "0"}, {"ctime", "0"}},
                               .pax_name = "./PaxHeaders/.PKGINFO"},
                              {.name = ".post-install", .data = "#!/bin/sh\necho installed\n", .mode = 0755}},
                             false));
  return m;
}

std::string Apk(const ApkParts& parts) { return ApkSegments(parts).File(); }

// As APKINDEX writes a checksum: "Q1" and base64.
std::string Q1(const std::string& bytes) { return "Q1" + Base64(bytes); }

TEST(ApkTest, ConvertsTheThreeSegments) {
  ScratchDir dir;
  WriteFile(dir / "hello.apk", Apk({}));
  EXPECT_EQ(DetectSourceKind(dir / "hello.apk"), SourceKind::kApk);
  ConvertResult result = ConvertToArchive(dir / "hello.apk", dir / "out.tra", {});
  EXPECT_EQ(result.package_name, "tr-hello");
  auto entries = ReadArchive(dir / "out.tra");
  std::string meta = ".tinyrange/packages/alpine/tr-hello";
  EXPECT_EQ(Names(entries),
            (std::vector<std::string>{".tinyrange", ".tinyrange/packages", ".tinyrange/packages/alpine", meta,
                                      meta + "/.PKGINFO", meta + "/.post-install", "usr", "usr/bin", "usr/bin/hello",
                                      "usr/bin/hi", "usr/bin/hello2", "etc", "etc/.hidden"}));
  EXPECT_THAT(FindEntry(entries, meta + "/.PKGINFO")->data, HasSubstr("pkgname = tr-hello\n"));
  EXPECT_EQ(FindEntry(entries, meta + "/.post-install")->entry.mode, 0755u);
  EXPECT_EQ(FindEntry(entries, "usr/bin/hello")->data, "#!/bin/sh\necho hello\n");
  EXPECT_TRUE(FindEntry(entries, "usr/bin/hello")->entry.xattrs.empty());  // the checksum is not an xattr
  EXPECT_EQ(FindEntry(entries, "usr/bin/hello2")->entry.link, "usr/bin/hello");
  EXPECT_EQ(FindEntry(entries, "usr/bin/hi")->entry.link, "hello");
  EXPECT_EQ(ConvertToArchive(dir / "hello.apk", dir / "again.tra", {}).sha256, result.sha256);
}

TEST(ApkTest, UnsignedPackageAndXattrsInTheData) {
  ScratchDir dir;
  ApkParts parts;
  parts.signature = false;
  parts.data[2].pax.emplace_back("SCHILY.xattr.security.capability", std::string("\x01\x00\x00\x02", 4));
  WriteFile(dir / "hello.apk", Apk(parts));
  ConvertToArchive(dir / "hello.apk", dir / "out.tra", {.kind = SourceKind::kApk});
  auto entries = ReadArchive(dir / "out.tra");
  EXPECT_TRUE(FindEntry(entries, ".tinyrange/packages/alpine/tr-hello/.PKGINFO"));
  EXPECT_EQ(
      FindEntry(entries, "usr/bin/hello")->entry.xattrs,
      (std::vector<std::pair<std::string, std::string>>{{"security.capability", std::string("\x01\x00\x00\x02", 4)}}));
}

TEST(ApkTest, UnsafeDataEntryNamesThePackage) {
  ScratchDir dir;
  ApkParts parts;
  parts.data.push_back({.name = "usr/lib/../../../root/.ssh/authorized_keys", .data = "key"});
  WriteFile(dir / "evil.apk", Apk(parts));
  try {
    ConvertToArchive(dir / "evil.apk", dir / "out.tra", {});
    ADD_FAILURE();
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("package 'tr-hello'"));
    EXPECT_THAT(e.what(), HasSubstr("usr/lib/../../../root/.ssh/authorized_keys"));
  }
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"evil.apk"});
}

// The index's C:Q1 is the SHA-1 of the control member as stored; with
// it, the .PKGINFO's datahash covers the data member.
TEST(ApkTest, MatchingControlChecksumConverts) {
  for (bool signature : {true, false}) {
    ScratchDir dir;
    ApkParts parts;
    parts.signature = signature;
    parts.datahash = true;
    ApkMembers members = ApkSegments(parts);
    WriteFile(dir / "hello.apk", members.File());
    ConvertOptions options{.package_name = "tr-hello", .apk_control_sha1 = Hex(Sha1(members.control))};
    ConvertResult result = ConvertToArchive(dir / "hello.apk", dir / "out.tra", options);
    EXPECT_EQ(result.package_name, "tr-hello");
    auto entries = ReadArchive(dir / "out.tra");
    EXPECT_TRUE(FindEntry(entries, ".tinyrange/packages/alpine/tr-hello/.post-install"));
    EXPECT_TRUE(FindEntry(entries, "usr/bin/hello"));
    // The check does not change the output.
    EXPECT_EQ(ConvertToArchive(dir / "hello.apk", dir / "plain.tra", {.package_name = "tr-hello"}).sha256,
              result.sha256);
  }
}

TEST(ApkTest, WrongControlChecksumNamesThePackageAndBothChecksums) {
  ScratchDir dir;
  ApkParts parts;
  parts.datahash = true;
  ApkMembers members = ApkSegments(parts);
  WriteFile(dir / "hello.apk", members.File());
  std::string wrong = Sha1("another control segment");
  try {
    ConvertToArchive(dir / "hello.apk", dir / "out.tra", {.apk_control_sha1 = Hex(wrong)});
    ADD_FAILURE();
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("package 'tr-hello'"));
    EXPECT_THAT(e.what(), HasSubstr(Q1(Sha1(members.control))));
    EXPECT_THAT(e.what(), HasSubstr("the index says " + Q1(wrong)));
  }
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"hello.apk"});
  // The signature member is not part of the checksum: hashing the whole
  // file, or the first member, must not pass.
  for (const std::string& not_it : {members.File(), members.signature}) {
    EXPECT_THROW(ConvertToArchive(dir / "hello.apk", dir / "out.tra", {.apk_control_sha1 = Hex(Sha1(not_it))}),
                 ArchiveError);
  }
  EXPECT_THROW(ConvertToArchive(dir / "hello.apk", dir / "out.tra", {.apk_control_sha1 = "not hex"}), ArchiveError);
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"hello.apk"});
}

TEST(ApkTest, DataSegmentMustMatchTheDatahash) {
  ScratchDir dir;
  ApkParts parts;
  parts.datahash = true;
  ApkMembers members = ApkSegments(parts);
  std::string control_sha1 = Hex(Sha1(members.control));
  // Same control member (so the index's checksum matches), other data.
  ApkParts other = parts;
  other.data.back().data = "changed\n";
  WriteFile(dir / "hello.apk", members.signature + members.control + ApkSegments(other).data);
  try {
    ConvertToArchive(dir / "hello.apk", dir / "out.tra", {.apk_control_sha1 = control_sha1});
    ADD_FAILURE();
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("package 'tr-hello'"));
    EXPECT_THAT(e.what(), HasSubstr("datahash is " + download::Sha256Hex(members.data)));
  }
  // A datahash is checked even without an index checksum: it is corruption.
  EXPECT_THROW(ConvertToArchive(dir / "hello.apk", dir / "out.tra", {}), ArchiveError);
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"hello.apk"});
}

TEST(ApkTest, ControlChecksumNeedsADatahashAndAnApk) {
  ScratchDir dir;
  ApkMembers members = ApkSegments({});  // no datahash in .PKGINFO
  WriteFile(dir / "hello.apk", members.File());
  try {
    ConvertToArchive(dir / "hello.apk", dir / "out.tra", {.apk_control_sha1 = Hex(Sha1(members.control))});
    ADD_FAILURE();
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("package 'tr-hello'"));
    EXPECT_THAT(e.what(), HasSubstr("no datahash"));
  }
  WriteFile(dir / "plain.tar", Tar({{.name = "a", .data = "a"}}));
  try {
    ConvertToArchive(dir / "plain.tar", dir / "out.tra", {.package_name = "a", .apk_control_sha1 = Hex(Sha1("x"))});
    ADD_FAILURE();
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("package 'a'"));
    EXPECT_THAT(e.what(), HasSubstr("not an .apk"));
  }
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"hello.apk", "plain.tar"}));
}

TEST(ApkTest, ApkV3IsRefusedClearly) {
  ScratchDir dir;
  WriteFile(dir / "v3.apk", "ADB.pckg" + std::string(100, '\0'));
  try {
    ConvertToArchive(dir / "v3.apk", dir / "out.tra", {});
    ADD_FAILURE();
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("apk v3"));
  }
}

// --- unsafe entries in a plain tar -----------------------------------------

struct UnsafeCase {
  const char* label;
  std::vector<TarEntry> entries;
  const char* entry;    // the entry the error must name
  const char* problem;  // and what it must say
};

class UnsafeTest : public ::testing::TestWithParam<UnsafeCase> {};

TEST_P(UnsafeTest, IsRejectedAndLeavesNoOutput) {
  ScratchDir dir;
  fs::path input = dir / "in/unsafe.tar";
  WriteFile(input, Tar(GetParam().entries));
  fs::create_directories(dir / "out");
  WriteFile(dir / "out/existing.tra", "old");
  try {
    ConvertToArchive(input, dir / "out/existing.tra", {});
    ADD_FAILURE() << "accepted";
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr(input.string()));
    EXPECT_THAT(e.what(), HasSubstr(std::string("entry '") + GetParam().entry));
    EXPECT_THAT(e.what(), HasSubstr(GetParam().problem));
  }
  EXPECT_EQ(ListDir(dir / "out"), std::vector<std::string>{"existing.tra"});
  EXPECT_EQ(ReadFile(dir / "out/existing.tra"), "old");
}

const TarEntry kFile{.name = "etc/file", .data = "x"};
const TarEntry kEtcLink{.name = "l", .type = '2', .link = "/etc"};

INSTANTIATE_TEST_SUITE_P(
    Cases, UnsafeTest,
    ::testing::Values(
        UnsafeCase{"Absolute", {{.name = "/etc/passwd", .data = "x"}}, "/etc/passwd", "absolute"},
        UnsafeCase{"DotDot", {{.name = "a/../../etc/passwd", .data = "x"}}, "a/../../etc/passwd", "'..'"},
        UnsafeCase{"DotDotFirst", {{.name = "../x", .data = "x"}}, "../x", "'..'"},
        UnsafeCase{"HardLinkToMissing", {{.name = "h", .type = '1', .link = "missing"}}, "h", "not a regular file"},
        UnsafeCase{"HardLinkLater", {{.name = "h", .type = '1', .link = "etc/file"}, kFile}, "h", "not a regular file"},
        UnsafeCase{"HardLinkAbsolute", {kFile, {.name = "h", .type = '1', .link = "/etc/shadow"}}, "h", "absolute"},
        UnsafeCase{"HardLinkDotDot", {kFile, {.name = "h", .type = '1', .link = "../etc/file"}}, "h", "'..'"},
        UnsafeCase{"HardLinkToDirectory",
                   {{.name = "d", .type = '5', .mode = 0755}, {.name = "h", .type = '1', .link = "d"}},
                   "h",
                   "not a regular file"},
        UnsafeCase{"SymlinkEscapes", {{.name = "a/b", .type = '2', .link = "../../etc"}}, "a/b", "climbs above"},
        UnsafeCase{"ThroughSymlink", {kEtcLink, {.name = "l/passwd", .data = "x"}}, "l/passwd", "goes through 'l'"},
        UnsafeCase{"DeepThroughSymlink",
                   {kEtcLink, {.name = "l/ssh/sshd_config", .data = "x"}},
                   "l/ssh/sshd_config",
                   "goes through 'l'"},
        UnsafeCase{"ReplacesSymlink", {kEtcLink, {.name = "l", .type = '5'}}, "l", "replaces a symlink"},
        UnsafeCase{
            "HardLinkThroughSymlink",
            {kFile, {.name = "etc", .type = '2', .link = "/etc"}, {.name = "h", .type = '1', .link = "etc/file"}},
            "h",
            "goes through 'etc'"},
        UnsafeCase{"ReservedName",
                   {{.name = ".tinyrange/packages/debian/bash/postinst", .data = "x"}},
                   ".tinyrange/packages/debian/bash/postinst",
                   "reserved"},
        UnsafeCase{"LongName",
                   {{.name = "long", .data = "x", .pax = {{"path", std::string(5000, 'n')}}}},
                   "nnnnnnnnnn",
                   "5000 bytes long, more than the limit"},
        UnsafeCase{"RootIsAFile", {{.name = ".", .data = "x"}}, ".", "root entry is not a directory"}),
    [](const auto& test_info) { return std::string(test_info.param.label); });

TEST(SafeEntriesTest, NamesKeepTheirBytes) {
  ScratchDir dir;
  // A pax path is UTF-8; a ustar name is whatever bytes the tool wrote.
  WriteFile(dir / "in.tar", Tar({{.name = "x", .data = "1", .pax = {{"path", "caf\xc3\xa9"}}},
                                 {.name = "latin1-caf\xe9", .data = "2"}}));
  ConvertToArchive(dir / "in.tar", dir / "out.tra", {});
  EXPECT_EQ(Names(ReadArchive(dir / "out.tra")), (std::vector<std::string>{"caf\xc3\xa9", "latin1-caf\xe9"}));
}

TEST(SafeEntriesTest, OrdinaryLinksAreAccepted) {
  ScratchDir dir;
  WriteFile(dir / "in.tar", Tar({{.name = "usr/lib/x", .data = "x"},
                                 {.name = "usr/bin/a", .type = '2', .link = "../lib/x"},
                                 {.name = "usr/bin/b", .type = '2', .link = "/usr/lib/x"},
                                 {.name = "usr/bin/c", .type = '2', .link = "../../usr/lib/x"},
                                 {.name = "usr/bin/d", .type = '2', .link = "."},
                                 {.name = "usr/bin/e", .type = '1', .link = "./usr/lib/x"},
                                 {.name = "usr/bin/f", .type = '1', .link = "usr/bin/e"}}));
  ConvertToArchive(dir / "in.tar", dir / "out.tra", {});
  auto entries = ReadArchive(dir / "out.tra");
  EXPECT_EQ(entries.size(), 7u);
  // A link to a link is stored as a link to the file.
  EXPECT_EQ(FindEntry(entries, "usr/bin/f")->entry.link, "usr/lib/x");
}

}  // namespace
}  // namespace tinyrange::archive
