// The definition kinds, built for real: downloads from a local HTTP
// server, archives made by tar and dpkg-deb, filesystem outputs.
#include "builder/build/definitions.h"

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "builder/archive/archive_reader.h"
#include "builder/build/build_fs.h"
#include "builder/build/build_test_util.h"
#include "builder/download/sha256.h"
#include "builder/download/test_http_server.h"

namespace tinyrange::build {
namespace {

using testing::ReadFile;
using testing::TempDir;

EngineOptions Options(const TempDir& dir) {
  EngineOptions options;
  options.cache_root = dir.path();
  options.jobs = 2;
  return options;
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A tar.gz with a directory, a file, a symlink and a hard link, made by tar.
std::string MakeTarGz(const TempDir& dir) {
  std::string root = dir.path() + "/src";
  std::filesystem::create_directories(root + "/etc");
  std::ofstream(root + "/etc/motd") << "welcome\n";
  std::filesystem::create_symlink("motd", root + "/etc/motd.link");
  std::filesystem::create_hard_link(root + "/etc/motd", root + "/etc/motd.hard");
  std::string tarball = dir.path() + "/src.tar.gz";
  std::string cmd = "tar -C " + root + " --owner=0 --group=0 --mtime=@1000 -czf " + tarball + " etc";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  return ReadFile(tarball);
}

std::map<std::string, std::string> ReadOurs(const std::string& path) {
  std::map<std::string, std::string> entries;
  archive::ArchiveReader reader(path);
  while (auto e = reader.Next()) {
    entries[e->name] = std::string(archive::EntryTypeName(e->type)) + ":" +
                       (e->type == archive::EntryType::kFile ? reader.ReadAll() : e->link);
  }
  return entries;
}

TEST(DefinitionsTest, FetchHttpVerifiesAndCaches) {
  TempDir dir;
  download::testing::TestHttpServer server;
  server.Set("/data.bin", {"payload"});
  BuildEngine engine(Options(dir));
  std::string out = engine.Build(FetchHttp(server.Url("/data.bin"), download::Sha256Hex("payload")));
  EXPECT_EQ(ReadFile(out), "payload");
  // Only the file: no .part or .lock files beside it in the entry.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(std::filesystem::path(out).parent_path()),
                          std::filesystem::directory_iterator()), 2);
  engine.Build(FetchHttp(server.Url("/data.bin"), download::Sha256Hex("payload")));
  EXPECT_EQ(server.RequestsFor("/data.bin"), 1);

  try {
    engine.Build(FetchHttp(server.Url("/data.bin"), std::string(64, '0')));
    FAIL() << "a wrong checksum must fail";
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("data.bin"), std::string::npos) << e.what();
  }
  EXPECT_THROW(FetchHttp("ftp://example.invalid/x"), BuildError);
  EXPECT_THROW(FetchHttp("http://example.invalid/x", "NOTHEX"), BuildError);
}

TEST(DefinitionsTest, DecompressAndExtract) {
  TempDir dir;
  BuildEngine engine(Options(dir));
  EXPECT_EQ(ReadFile(engine.Build(DecompressFile(FileContents(Gzip("hello world"))))), "hello world");
  auto tarball = FileContents(MakeTarGz(dir));
  EXPECT_EQ(ReadFile(engine.Build(ExtractFile(tarball, "./etc/motd"))), "welcome\n");
  // The same from our own format.
  auto ours = ReadArchive(tarball);
  EXPECT_EQ(ReadFile(engine.Build(ExtractFile(ours, "etc/motd"))), "welcome\n");
  try {
    engine.Build(ExtractFile(tarball, "etc/missing"));
    FAIL();
  } catch (const BuildError& e) {
    EXPECT_NE(std::string(e.what()).find("no file etc/missing"), std::string::npos) << e.what();
  }
}

TEST(DefinitionsTest, ReadArchiveKeepsLinksAndHardLinks) {
  TempDir dir;
  BuildEngine engine(Options(dir));
  auto entries = ReadOurs(engine.Build(ReadArchive(FileContents(MakeTarGz(dir)))));
  EXPECT_EQ(entries["etc/motd"], "file:welcome\n");
  EXPECT_EQ(entries["etc/motd.link"], "symlink:motd");
  EXPECT_EQ(entries["etc/motd.hard"], "hard link:etc/motd");
  EXPECT_THROW(ReadArchive(FileContents("x"), "rpm"), BuildError);
}

// The checksum is Alpine's control checksum: part of the hash when given,
// checked when the archive is converted (alpine_rootfs_test.cc), refused
// up front when it cannot be checked.
TEST(DefinitionsTest, ReadArchiveChecksumIsAnApkControlSha1) {
  const std::string sum = "sha1b64:" + std::string(27, 'A') + "=";
  auto input = FileContents("x");
  EXPECT_EQ(ReadArchive(input, "apk", "p")->Hash(), ReadArchive(input, "apk", "p", "")->Hash());
  EXPECT_NE(ReadArchive(input, "apk", "p", sum)->Hash(), ReadArchive(input, "apk", "p")->Hash());
  EXPECT_THROW(ReadArchive(input, "deb", "p", sum), BuildError);
  EXPECT_THROW(ReadArchive(input, "auto", "p", sum), BuildError);
  EXPECT_THROW(ReadArchive(input, "apk", "p", "sha256:" + std::string(64, '0')), BuildError);
  EXPECT_THROW(ReadArchive(input, "apk", "p", "sha1b64:" + std::string(28, 'A')), BuildError);
  EXPECT_THROW(ReadArchive(input, "apk", "p", "sha1b64:AAAA="), BuildError);
}

TEST(DefinitionsTest, ReadArchiveConvertsADebBuiltByDpkgDeb) {
  TempDir dir;
  std::string pkg = dir.path() + "/pkg";
  std::filesystem::create_directories(pkg + "/DEBIAN");
  std::filesystem::create_directories(pkg + "/usr/share/hello");
  std::ofstream(pkg + "/DEBIAN/control") << "Package: hello-test\nVersion: 1.0\nArchitecture: all\n"
                                            "Maintainer: nobody <nobody@example.invalid>\nDescription: test\n";
  std::ofstream(pkg + "/DEBIAN/postinst") << "#!/bin/sh\necho configured\n";
  std::filesystem::permissions(pkg + "/DEBIAN/postinst", std::filesystem::perms(0755));
  std::ofstream(pkg + "/usr/share/hello/greeting") << "hi\n";
  std::string deb = dir.path() + "/hello.deb";
  ASSERT_EQ(std::system(("dpkg-deb --root-owner-group -Zgzip --build " + pkg + " " + deb + " >/dev/null").c_str()), 0);
  BuildEngine engine(Options(dir));
  auto entries = ReadOurs(engine.Build(ReadArchive(FileContents(ReadFile(deb)), "deb")));
  EXPECT_EQ(entries["usr/share/hello/greeting"], "file:hi\n");
  EXPECT_EQ(entries[".tinyrange/packages/debian/hello-test/postinst"], "file:#!/bin/sh\necho configured\n");
}

TEST(DefinitionsTest, BuildFsLayersArchivesAndFilesReproducibly) {
  TempDir dir;
  auto layer = ReadArchive(FileContents(MakeTarGz(dir)));
  FsBuildSpec spec;
  spec.directives.push_back(FsDirective::Layer(layer));
  spec.directives.push_back(FsDirective::AddFile("/etc/motd", FileContents("replaced\n"), 0600, 0, 0));
  spec.directives.push_back(FsDirective::AddFile("etc/hostname", FileContents("vm\n"), 0644, 0, 0));
  auto rootfs = BuildFs(spec);

  TempDir other_cache;
  std::string a = BuildEngine(Options(dir)).Build(rootfs);
  std::string b = BuildEngine(Options(other_cache)).Build(rootfs);
  EXPECT_EQ(ReadFile(a), ReadFile(b)) << "two builds must be byte-identical";

  std::map<std::string, std::string> files;
  struct archive* reader = archive_read_new();
  archive_read_support_format_all(reader);
  archive_read_support_filter_all(reader);
  ASSERT_EQ(archive_read_open_filename(reader, a.c_str(), 1 << 16), ARCHIVE_OK);
  struct archive_entry* entry;
  while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    std::string data(static_cast<size_t>(archive_entry_size(entry)), '\0');
    if (!data.empty()) archive_read_data(reader, data.data(), data.size());
    files[archive_entry_pathname(entry)] = data;
  }
  archive_read_free(reader);
  EXPECT_EQ(files["etc/motd"], "replaced\n");
  EXPECT_EQ(files["etc/hostname"], "vm\n");
  EXPECT_TRUE(files.count("etc/motd.link"));

  FsBuildSpec bad = spec;
  bad.kind = "squashfs";
  EXPECT_THROW(BuildFs(bad), BuildError);
  EXPECT_THROW(FsDirective::AddFile("../escape", FileContents(""), 0644, 0, 0), BuildError);
}

TEST(DefinitionsTest, BuildFsMakesAnInitramfsAndAnExt4Image) {
  TempDir dir;
  FsBuildSpec spec;
  spec.directives.push_back(FsDirective::AddFile("init", FileContents("#!/bin/sh\n"), 0755, 0, 0));
  spec.kind = "initramfs";
  BuildEngine engine(Options(dir));
  std::string initramfs = ReadFile(engine.Build(BuildFs(spec)));
  ASSERT_GE(initramfs.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(initramfs[0]), 0x1f);  // gzip
  spec.kind = "ext4";
  spec.size_mb = 16;
  std::string image = engine.Build(BuildFs(spec));
  EXPECT_EQ(std::filesystem::file_size(image), 16u << 20);
}

}  // namespace
}  // namespace tinyrange::build
