#include "builder/cpio/cpio_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyrange {
namespace {

using ::testing::HasSubstr;

// One entry as libarchive, an independent reader, sees it.
struct ReadEntry {
  std::string name;
  mode_t type = 0;
  mode_t perm = 0;
  uint64_t size = 0;
  std::string data;
  std::string symlink;
  std::string hardlink;
  uint32_t uid = 0, gid = 0;
  int64_t mtime = 0;
  uint32_t rdev_major = 0, rdev_minor = 0;
  int64_t ino = 0;
  uint32_t nlink = 0;
};

std::vector<ReadEntry> ReadArchive(const std::vector<uint8_t>& bytes) {
  archive* a = archive_read_new();
  archive_read_support_format_cpio(a);
  EXPECT_EQ(archive_read_open_memory(a, bytes.data(), bytes.size()), ARCHIVE_OK)
      << archive_error_string(a);
  std::vector<ReadEntry> entries;
  archive_entry* e;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    EXPECT_EQ(archive_format(a), ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
    ReadEntry r;
    r.name = archive_entry_pathname(e);
    r.type = archive_entry_filetype(e);
    r.perm = archive_entry_perm(e);
    r.size = static_cast<uint64_t>(archive_entry_size(e));
    if (archive_entry_symlink(e)) r.symlink = archive_entry_symlink(e);
    if (archive_entry_hardlink(e)) r.hardlink = archive_entry_hardlink(e);
    r.uid = static_cast<uint32_t>(archive_entry_uid(e));
    r.gid = static_cast<uint32_t>(archive_entry_gid(e));
    r.mtime = archive_entry_mtime(e);
    r.rdev_major = static_cast<uint32_t>(archive_entry_rdevmajor(e));
    r.rdev_minor = static_cast<uint32_t>(archive_entry_rdevminor(e));
    r.ino = archive_entry_ino64(e);
    r.nlink = archive_entry_nlink(e);
    char buf[8192];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) r.data.append(buf, static_cast<size_t>(n));
    EXPECT_GE(n, 0) << archive_error_string(a);
    entries.push_back(std::move(r));
  }
  EXPECT_EQ(rc, ARCHIVE_EOF) << archive_error_string(a);
  archive_read_free(a);
  return entries;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tr_cpio_test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string Pattern(size_t size) {
  std::string s(size, '\0');
  uint32_t x = 12345;
  for (char& c : s) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

CpioWriterOptions Fixed() {
  CpioWriterOptions options;
  options.default_mtime = 0;
  return options;
}

TEST(CpioWriterTest, EveryEntryTypeReadsBack) {
  TempDir dir;
  // Larger than the writer's copy chunk, and not a multiple of 4.
  std::string big = Pattern(200 * 1024 + 3);
  std::filesystem::path host_file = dir.path() / "big";
  std::ofstream(host_file, std::ios::binary) << big;

  std::vector<uint8_t> out;
  VectorCpioSink sink(&out);
  CpioWriter w(&sink, Fixed());
  w.AddDirectory("etc", CpioMetadata(0755, 1, 2, 1234));
  w.AddFile("etc/hostname", std::string_view("tinyrange\n"), CpioMetadata(0644, 3, 4));
  w.AddFile("etc/empty", std::string_view(""), CpioMetadata(0600));
  w.AddDirectory("bin", CpioMetadata(0755));
  w.AddFileFromHost("bin/big", host_file, CpioMetadata(04755));
  w.AddSymlink("bin/sh", "big", CpioMetadata(0777));
  w.AddDirectory("dev", CpioMetadata(0755));
  w.AddCharDevice("dev/console", 5, 1, CpioMetadata(0600));
  w.AddBlockDevice("dev/vda", 254, 16, CpioMetadata(0660, 0, 6));
  w.AddFifo("dev/fifo", CpioMetadata(0644));
  w.Finish();

  EXPECT_EQ(out.size() % 512, 0u);
  EXPECT_EQ(w.bytes_written(), out.size());
  std::vector<ReadEntry> e = ReadArchive(out);
  ASSERT_EQ(e.size(), 10u);

  EXPECT_EQ(e[0].name, "etc");
  EXPECT_EQ(e[0].type, AE_IFDIR);
  EXPECT_EQ(e[0].perm, 0755u);
  EXPECT_EQ(e[0].uid, 1u);
  EXPECT_EQ(e[0].gid, 2u);
  EXPECT_EQ(e[0].mtime, 1234);

  EXPECT_EQ(e[1].name, "etc/hostname");
  EXPECT_EQ(e[1].type, AE_IFREG);
  EXPECT_EQ(e[1].perm, 0644u);
  EXPECT_EQ(e[1].size, 10u);
  EXPECT_EQ(e[1].data, "tinyrange\n");
  EXPECT_EQ(e[1].uid, 3u);
  EXPECT_EQ(e[1].gid, 4u);
  EXPECT_EQ(e[1].mtime, 0);

  EXPECT_EQ(e[2].name, "etc/empty");
  EXPECT_EQ(e[2].type, AE_IFREG);
  EXPECT_EQ(e[2].perm, 0600u);
  EXPECT_EQ(e[2].size, 0u);
  EXPECT_EQ(e[2].data, "");

  EXPECT_EQ(e[4].name, "bin/big");
  EXPECT_EQ(e[4].type, AE_IFREG);
  EXPECT_EQ(e[4].perm, 04755u);
  EXPECT_EQ(e[4].size, big.size());
  EXPECT_TRUE(e[4].data == big) << "contents of the streamed host file differ";

  EXPECT_EQ(e[5].name, "bin/sh");
  EXPECT_EQ(e[5].type, AE_IFLNK);
  EXPECT_EQ(e[5].symlink, "big");

  EXPECT_EQ(e[7].name, "dev/console");
  EXPECT_EQ(e[7].type, AE_IFCHR);
  EXPECT_EQ(e[7].perm, 0600u);
  EXPECT_EQ(e[7].rdev_major, 5u);
  EXPECT_EQ(e[7].rdev_minor, 1u);

  EXPECT_EQ(e[8].name, "dev/vda");
  EXPECT_EQ(e[8].type, AE_IFBLK);
  EXPECT_EQ(e[8].rdev_major, 254u);
  EXPECT_EQ(e[8].rdev_minor, 16u);
  EXPECT_EQ(e[8].gid, 6u);

  EXPECT_EQ(e[9].name, "dev/fifo");
  EXPECT_EQ(e[9].type, AE_IFIFO);

  // Inode numbers are 1, 2, 3, ... in entry order.
  for (size_t i = 0; i < e.size(); ++i) EXPECT_EQ(e[i].ino, static_cast<int64_t>(i + 1));
}

TEST(CpioWriterTest, ExactBytesOfAMinimalArchive) {
  std::vector<uint8_t> out;
  VectorCpioSink sink(&out);
  CpioWriter w(&sink, Fixed());
  w.AddFile("ab", std::string_view("xyz"), CpioMetadata(0644, 0x10, 0x20, 0x5f));
  w.Finish();

  std::string expected =
      "070701"
      "00000001"  // ino
      "000081A4"  // S_IFREG | 0644
      "00000010"  // uid
      "00000020"  // gid
      "00000001"  // nlink
      "0000005F"  // mtime
      "00000003"  // filesize
      "00000000" "00000000"  // devmajor, devminor
      "00000000" "00000000"  // rdevmajor, rdevminor
      "00000003"  // namesize ("ab" + NUL)
      "00000000"  // check
      "ab";
  expected += '\0';
  expected += std::string(3, '\0');  // 110 + 3 = 113 -> pad to 116
  expected += "xyz";
  expected += '\0';  // 119 -> pad to 120
  expected +=
      "070701"
      "00000000" "00000000" "00000000" "00000000"  // ino, mode, uid, gid
      "00000001" "00000000" "00000000"              // nlink, mtime, filesize
      "00000000" "00000000" "00000000" "00000000"  // device numbers
      "0000000B"                                    // namesize
      "00000000"
      "TRAILER!!!";
  expected += '\0';
  expected += std::string(3, '\0');  // 120 + 121 = 241 -> pad to 244
  expected += std::string(512 - 244, '\0');
  ASSERT_EQ(out.size(), 512u);
  EXPECT_EQ(std::string(out.begin(), out.end()), expected);
}

TEST(CpioWriterTest, HardLinksShareOneInodeAndTheLastCarriesTheData) {
  std::vector<uint8_t> out;
  VectorCpioSink sink(&out);
  CpioWriter w(&sink, Fixed());
  w.AddFile("before", std::string_view("1"), {});
  std::vector<std::string> names = {"x/a", "b", "c"};
  std::string data = "hello";
  w.AddDirectory("x", CpioMetadata(0755));
  w.AddHardLinkedFile(names, std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
                      CpioMetadata(0755));
  w.AddFile("after", std::string_view("2"), {});
  w.Finish();

  std::vector<ReadEntry> e = ReadArchive(out);
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e[2].name, "x/a");
  EXPECT_EQ(e[3].name, "b");
  EXPECT_EQ(e[4].name, "c");
  for (int i = 2; i <= 4; ++i) {
    EXPECT_EQ(e[i].ino, 3) << e[i].name;
    EXPECT_EQ(e[i].nlink, 3u) << e[i].name;
    EXPECT_EQ(e[i].type, AE_IFREG) << e[i].name;
    EXPECT_EQ(e[i].perm, 0755u) << e[i].name;
  }
  EXPECT_EQ(e[2].data, "");
  EXPECT_EQ(e[3].data, "");
  EXPECT_EQ(e[4].data, "hello");
  EXPECT_EQ(e[4].size, 5u);
  // The inode numbering goes on after the group.
  EXPECT_EQ(e[5].name, "after");
  EXPECT_EQ(e[5].ino, 4);
  EXPECT_EQ(e[5].data, "2");
}

std::vector<uint8_t> BuildSample(CpioSink* sink_or_null, std::vector<uint8_t>* out) {
  VectorCpioSink vector_sink(out);
  CpioSink* sink = sink_or_null ? sink_or_null : &vector_sink;
  CpioWriter w(sink, Fixed());
  w.EnsureParents("usr/bin/tool");
  w.AddFile("usr/bin/tool", std::string_view(Pattern(1001)), CpioMetadata(0755));
  w.AddSymlink("bin", "usr/bin", CpioMetadata(0777));
  w.AddCharDevice("null", 1, 3, CpioMetadata(0666));
  w.Finish();
  return *out;
}

TEST(CpioWriterTest, OutputIsDeterministic) {
  std::vector<uint8_t> a, b;
  BuildSample(nullptr, &a);
  BuildSample(nullptr, &b);
  EXPECT_EQ(a, b);

  // A file sink gets the same bytes.
  TempDir dir;
  std::filesystem::path path = dir.path() / "out.cpio";
  {
    FileCpioSink file(path);
    std::vector<uint8_t> unused;
    BuildSample(&file, &unused);
    file.Close();
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(a, c);
  EXPECT_EQ(ReadArchive(c).size(), 5u);
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = getenv(name);
    if (old) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

int64_t MtimeOfOneFile(CpioWriterOptions options, CpioMetadata meta = {}) {
  std::vector<uint8_t> out;
  VectorCpioSink sink(&out);
  CpioWriter w(&sink, options);
  w.AddFile("f", std::string_view("x"), meta);
  w.Finish();
  return ReadArchive(out).at(0).mtime;
}

TEST(CpioWriterTest, DefaultMtimeComesFromSourceDateEpoch) {
  {
    ScopedEnv env("SOURCE_DATE_EPOCH", nullptr);
    EXPECT_EQ(MtimeOfOneFile({}), 0);
  }
  {
    ScopedEnv env("SOURCE_DATE_EPOCH", "1700000000");
    EXPECT_EQ(MtimeOfOneFile({}), 1700000000);
    CpioWriterOptions explicit_mtime;
    explicit_mtime.default_mtime = 42;
    EXPECT_EQ(MtimeOfOneFile(explicit_mtime), 42);
    EXPECT_EQ(MtimeOfOneFile({}, CpioMetadata(0644, 0, 0, 7)), 7);
  }
  for (const char* bad : {"yesterday", "-1", "4294967296", "99999999999999999999999"}) {
    ScopedEnv env("SOURCE_DATE_EPOCH", bad);
    std::vector<uint8_t> out;
    VectorCpioSink sink(&out);
    EXPECT_THROW(CpioWriter(&sink, {}), CpioError) << bad;
  }
}

TEST(CpioWriterTest, RejectsInvalidNamesAndStaysUsable) {
  std::vector<uint8_t> out;
  VectorCpioSink sink(&out);
  CpioWriter w(&sink, Fixed());
  const std::string kNulName("a\0b", 3);
  struct Case {
    std::string name;
    const char* why;
  } cases[] = {
      {"", "empty name"},
      {"/bin/sh", "absolute"},
      {"..", "\"..\""},
      {"a/../b", "\"..\""},
      {"../a", "\"..\""},
      {".", "\".\""},
      {"./a", "\".\""},
      {"a//b", "empty path component"},
      {"a/", "empty path component"},
      {"TRAILER!!!", "trailer"},
      {kNulName, "NUL"},
      {std::string(4096, 'x'), "longer than 4095"},
  };
  for (const Case& c : cases) {
    try {
      w.AddFile(c.name, std::string_view("data"), {});
      ADD_FAILURE() << "accepted name \"" << c.name << "\"";
    } catch (const CpioError& e) {
      EXPECT_THAT(e.what(), HasSubstr(c.why)) << c.name;
    }
    EXPECT_THROW(w.AddDirectory(c.name, {}), CpioError) << c.name;
    EXPECT_THROW(w.AddSymlink(c.name, "t", {}), CpioError) << c.name;
  }
  EXPECT_EQ(out.size(), 0u) << "a rejected entry wrote bytes";
  EXPECT_TRUE(CpioWriter::CheckName(std::string(4095, 'x')).empty());
  EXPECT_TRUE(CpioWriter::CheckName("a/.b/..c/TRAILER!!!").empty());

  w.AddFile("ok", std::string_view("data"), {});
  w.Finish();
  std::vector<ReadEntry> e = ReadArchive(out);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].name, "ok");
}

TEST(CpioWriterTest, RejectsDuplicatesAndNonDirectoryParents) {
  std::vector<uint8_t> out;
  VectorCpioSink sink(&out);
  CpioWriter w(&sink, Fixed());
  w.AddFile("f", std::string_view("x"), {});
  EXPECT_THROW(w.AddDirectory("f", {}), CpioError);
  try {
    w.AddFile("f/child", std::string_view("x"), {});
    ADD_FAILURE() << "accepted a child of a file";
  } catch (const CpioError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not a directory"));
  }
  EXPECT_THROW(w.EnsureParents("f/a/b"), CpioError);
  std::vector<std::string> dup = {"l1", "l1"};
  EXPECT_THROW(w.AddHardLinkedFile(dup, {}, {}), CpioError);
  std::vector<std::string> clash = {"l1", "f"};
  EXPECT_THROW(w.AddHardLinkedFile(clash, {}, {}), CpioError);
  std::vector<std::string> none;
  EXPECT_THROW(w.AddHardLinkedFile(none, {}, {}), CpioError);
  w.Finish();
  EXPECT_EQ(ReadArchive(out).size(), 1u);
}

TEST(CpioWriterTest, RejectsBadModesTargetsAndUseAfterFinish) {
  std::vector<uint8_t> out;
  VectorCpioSink sink(&out);
  CpioWriter w(&sink, Fixed());
  EXPECT_THROW(w.AddFile("f", std::string_view("x"), CpioMetadata(S_IFREG | 0644)), CpioError);
  EXPECT_THROW(w.AddSymlink("l", "", {}), CpioError);
  EXPECT_THROW(w.AddSymlink("l", std::string_view("a\0b", 3), {}), CpioError);
  EXPECT_THROW(w.AddFileFromHost("h", "/nonexistent/tr-cpio-test", {}), CpioError);
  EXPECT_THROW(w.AddFileFromHost("h", "/", {}), CpioError);
  EXPECT_EQ(out.size(), 0u);
  w.Finish();
  EXPECT_THROW(w.AddFile("late", std::string_view("x"), {}), CpioError);
  EXPECT_THROW(w.Finish(), CpioError);
}

TEST(CpioWriterTest, EnsureParentsAddsMissingDirectoriesOutermostFirst) {
  std::vector<uint8_t> out;
  VectorCpioSink sink(&out);
  CpioWriter w(&sink, Fixed());
  w.AddDirectory("a", CpioMetadata(0700));
  w.EnsureParents("a/b/c/file", CpioMetadata(0750, 9));
  w.EnsureParents("a/b/c/other");  // nothing new
  w.AddFile("a/b/c/file", std::string_view("x"), {});
  w.Finish();
  std::vector<ReadEntry> e = ReadArchive(out);
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].name, "a");
  EXPECT_EQ(e[0].perm, 0700u);
  EXPECT_EQ(e[1].name, "a/b");
  EXPECT_EQ(e[1].type, AE_IFDIR);
  EXPECT_EQ(e[1].perm, 0750u);
  EXPECT_EQ(e[1].uid, 9u);
  EXPECT_EQ(e[2].name, "a/b/c");
  EXPECT_EQ(e[3].name, "a/b/c/file");
}

TEST(CpioWriterTest, AutoParentsOption) {
  std::vector<uint8_t> out;
  VectorCpioSink sink(&out);
  CpioWriterOptions options = Fixed();
  options.auto_parents = true;
  CpioWriter w(&sink, options);
  w.AddFile("usr/lib/x.so", std::string_view("x"), {});
  std::vector<std::string> links = {"sbin/a", "usr/sbin/b"};
  w.AddHardLinkedFile(links, {}, {});
  w.Finish();
  std::vector<std::string> names;
  for (const ReadEntry& r : ReadArchive(out)) names.push_back(r.name);
  EXPECT_THAT(names, ::testing::ElementsAre("usr", "usr/lib", "usr/lib/x.so", "sbin",
                                            "usr/sbin", "sbin/a", "usr/sbin/b"));
}

// A sink that fails after a byte budget, like a full disk.
class FailingSink : public CpioSink {
 public:
  explicit FailingSink(size_t budget) : budget_(budget) {}
  void Write(std::span<const uint8_t> bytes) override {
    if (bytes.size() > budget_) throw CpioError("disk full");
    budget_ -= bytes.size();
  }

 private:
  size_t budget_;
};

TEST(CpioWriterTest, AFailedWriteMakesTheWriterRefuseFurtherEntries) {
  FailingSink sink(200);
  CpioWriter w(&sink, Fixed());
  w.AddFile("small", std::string_view("x"), {});
  EXPECT_THROW(w.AddFile("big", std::string_view(Pattern(1000)), {}), CpioError);
  try {
    w.AddFile("next", std::string_view("x"), {});
    ADD_FAILURE() << "accepted an entry after a failed one";
  } catch (const CpioError& e) {
    EXPECT_THAT(e.what(), HasSubstr("incomplete"));
  }
  EXPECT_THROW(w.Finish(), CpioError);
}

}  // namespace
}  // namespace tinyrange
