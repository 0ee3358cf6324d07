#include "builder/cpio/cpio_spec.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyrange {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(std::string_view spec) {
  try {
    ParseCpioSpec(spec, "outer.spec");
  } catch (const CpioSpecError& e) {
    return e.what();
  }
  return "";
}

TEST(CpioSpecTest, ParsesEveryKindAsTheKernelToolWritesThem) {
  auto entries = ParseCpioSpec(
      "# the kernel's example\n"
      "dir /dev 755 0 0\n"
      "nod /dev/console 0600 0 0 c 5 1\n"
      "nod /dev/vda 660 0 6 b 254 0\n"
      "file /init /tmp/init.sh 0755 0 0   # trailing comment\n"
      "\n"
      "slink /bin/sh busybox 777 0 0\n"
      "pipe /run/fifo 644 1000 1000\n",
      "outer.spec");
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries[0].kind, CpioSpecKind::kDirectory);
  EXPECT_EQ(entries[0].name, "dev");
  EXPECT_EQ(entries[0].mode, 0755u);
  EXPECT_EQ(entries[1].kind, CpioSpecKind::kCharDevice);
  EXPECT_EQ(entries[1].major, 5u);
  EXPECT_EQ(entries[1].minor, 1u);
  EXPECT_EQ(entries[2].kind, CpioSpecKind::kBlockDevice);
  EXPECT_EQ(entries[2].gid, 6u);
  EXPECT_EQ(entries[3].kind, CpioSpecKind::kFile);
  EXPECT_EQ(entries[3].source, "/tmp/init.sh");
  EXPECT_EQ(entries[3].line, 5);
  EXPECT_EQ(entries[4].kind, CpioSpecKind::kSymlink);
  EXPECT_EQ(entries[4].source, "busybox");
  EXPECT_EQ(entries[5].kind, CpioSpecKind::kFifo);
  EXPECT_EQ(entries[5].uid, 1000u);
}

TEST(CpioSpecTest, ErrorsNameTheLineAndWhatIsWrong) {
  EXPECT_THAT(ErrorOf("dir /a 755 0 0\nsock /s 755 0 0\n"), HasSubstr("outer.spec:2: unknown entry type 'sock'"));
  EXPECT_THAT(ErrorOf("file /init /x 755 0\n"),
              HasSubstr("outer.spec:1: expected 'file NAME LOCATION MODE UID GID', got 5 fields"));
  EXPECT_THAT(ErrorOf("dir /a 798 0 0\n"), HasSubstr("outer.spec:1: mode '798' is not an octal number"));
  EXPECT_THAT(ErrorOf("dir /a 17777 0 0\n"), HasSubstr("has bits beyond 07777"));
  EXPECT_THAT(ErrorOf("dir /a 755 root 0\n"), HasSubstr("uid 'root' is not a decimal number"));
  EXPECT_THAT(ErrorOf("nod /d 600 0 0 x 1 2\n"), HasSubstr("device type 'x' is neither b nor c"));
  EXPECT_THAT(ErrorOf("dir /a/../b 755 0 0\n"), HasSubstr("outer.spec:1:"));
  EXPECT_THAT(ErrorOf("file /a /x 644 0 0 /b\n"), HasSubstr("got 7 fields"));  // hard links: refused
}

TEST(CpioSpecTest, WritesAnArchiveLibarchiveReadsBack) {
  char dir_template[] = "/tmp/tr_cpio_spec_test.XXXXXX";
  std::filesystem::path dir = mkdtemp(dir_template);
  std::ofstream(dir / "init.sh") << "#!/bin/sh\necho hi\n";
  std::string spec = "dir /bin 755 0 0\nfile /init " + (dir / "init.sh").string() +
                     " 0750 0 0\nslink /bin/sh busybox 777 0 0\nnod /console 600 0 0 c 5 1\n";
  std::vector<uint8_t> bytes;
  VectorCpioSink sink(&bytes);
  CpioWriter writer(&sink);
  WriteCpioSpec(ParseCpioSpec(spec, "s"), "s", &writer);
  writer.Finish();

  archive* a = archive_read_new();
  archive_read_support_format_cpio(a);
  ASSERT_EQ(archive_read_open_memory(a, bytes.data(), bytes.size()), ARCHIVE_OK);
  std::vector<std::string> seen;
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e);
    std::string line = name + " " + std::to_string(archive_entry_perm(e));
    if (name == "init") {
      char data[64] = {};
      la_ssize_t n = archive_read_data(a, data, sizeof(data));
      line += " " + std::string(data, static_cast<size_t>(n));
    }
    if (archive_entry_symlink(e)) line += std::string(" -> ") + archive_entry_symlink(e);
    if (archive_entry_filetype(e) == AE_IFCHR) line += " c" + std::to_string(archive_entry_rdevmajor(e));
    seen.push_back(line);
  }
  archive_read_free(a);
  EXPECT_THAT(seen, ::testing::ElementsAre("bin 493", "init 488 #!/bin/sh\necho hi\n", "bin/sh 511 -> busybox",
                                           "console 384 c5"));

  // A missing host file names its spec line.
  std::vector<uint8_t> more;
  VectorCpioSink other(&more);
  CpioWriter second(&other);
  try {
    WriteCpioSpec(ParseCpioSpec("dir /a 755 0 0\nfile /b /no/such/file 644 0 0\n", "s"), "s", &second);
    ADD_FAILURE() << "a missing file was accepted";
  } catch (const CpioSpecError& error) {
    EXPECT_THAT(error.what(), HasSubstr("s:2: cpio: cannot open /no/such/file"));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tinyrange
