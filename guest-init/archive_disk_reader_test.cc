#include "guest-init/archive_disk_reader.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "guest-init/test_archives.h"

namespace tinyrange {
namespace {

using testing::BuildArchiveDisk;
using ::testing::HasSubstr;
using testing::Put64;
using testing::TempDir;

// Reads the table of `disk`; returns "" on success, else the error.
std::string ReadTable(const std::string& disk, ArchiveDiskTable* table,
                      uint64_t size_override = 0) {
  TempDir dir;
  std::string path = dir.path() + "/disk";
  testing::WriteFile(path, disk);
  int fd = open(path.c_str(), O_RDONLY);
  char error[256] = "";
  bool ok = table->Read(fd, size_override ? size_override : disk.size(), error, sizeof error);
  close(fd);
  return ok ? "" : error;
}

void Set64(std::string* s, size_t at, uint64_t v) {
  std::string b;
  Put64(&b, v);
  s->replace(at, 8, b);
}

TEST(ArchiveDiskReaderTest, ReadsAGoodTable) {
  std::string disk = BuildArchiveDisk({"aaaa", std::string(5000, 'b'), ""});
  ArchiveDiskTable table;
  ASSERT_EQ(ReadTable(disk, &table), "");
  ASSERT_EQ(table.count(), 3u);
  EXPECT_EQ(table.part(0).offset, 4096u);
  EXPECT_EQ(table.part(0).size, 4u);
  EXPECT_TRUE(table.part(0).has_digest);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(table.part(0).sha256), 32),
            testing::Sha256Of("aaaa"));
  EXPECT_EQ(table.part(1).offset, 8192u);
  EXPECT_EQ(table.part(1).size, 5000u);
  EXPECT_EQ(table.part(2).offset, 16384u);
  EXPECT_EQ(table.part(2).size, 0u);

  ArchiveDiskTable plain;
  ASSERT_EQ(ReadTable(BuildArchiveDisk({"x"}, false), &plain), "");
  EXPECT_FALSE(plain.part(0).has_digest);
}

TEST(ArchiveDiskReaderTest, EmptyDiskHasNoParts) {
  ArchiveDiskTable table;
  ASSERT_EQ(ReadTable(BuildArchiveDisk({}), &table), "");
  EXPECT_EQ(table.count(), 0u);
}

TEST(ArchiveDiskReaderTest, BadMagicAndVersion) {
  ArchiveDiskTable table;
  std::string disk = BuildArchiveDisk({"x"});
  std::string bad = disk;
  bad[0] = 'X';
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("bad magic"));
  bad = disk;
  bad[8] = 2;
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("version"));
  EXPECT_THAT(ReadTable("TRARCHV1", &table), HasSubstr("truncated"));
  EXPECT_THAT(ReadTable("", &table), HasSubstr("truncated"));
}

TEST(ArchiveDiskReaderTest, TruncatedDisk) {
  ArchiveDiskTable table;
  std::string disk = BuildArchiveDisk({std::string(100, 'a'), std::string(100, 'b')});
  // The second part runs past a disk cut in its middle.
  EXPECT_THAT(ReadTable(disk.substr(0, 8192 + 50), &table), HasSubstr("part 1"));
  EXPECT_THAT(ReadTable(disk.substr(0, 8192 + 50), &table), HasSubstr("past the end"));
  // Data offset past the end of a disk that is only the header.
  EXPECT_THAT(ReadTable(disk.substr(0, 100), &table), HasSubstr("truncated"));
  EXPECT_EQ(table.count(), 0u);
}

TEST(ArchiveDiskReaderTest, OverlappingAndOutOfBoundsParts) {
  ArchiveDiskTable table;
  std::string disk = BuildArchiveDisk({std::string(100, 'a'), std::string(100, 'b')});
  std::string bad = disk;
  Set64(&bad, 24 + 64, 4096);  // part 1 starts where part 0 does
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("part 1 (offset 4096, size 100): overlaps"));
  bad = disk;
  Set64(&bad, 24, 0);  // part 0 over the header
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("part 0 (offset 0"));
  bad = disk;
  Set64(&bad, 24 + 8, ~uint64_t{0} - 100);  // offset + size overflows
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("past the end of the disk"));
  bad = disk;
  Set64(&bad, 24 + 64, 8192 + 8);  // unaligned
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("aligned"));
  bad = disk;
  Set64(&bad, 24 + 64, ~uint64_t{0} & ~uint64_t{4095});
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("past the end"));
  bad = disk;
  Set64(&bad, 16, 0);  // data offset inside the table
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("table runs past"));
  bad = disk;
  bad[12] = 0;
  bad[14] = 1;  // 65536 parts: more than the header holds
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("table runs past"));
  bad = disk;
  bad[15] = 1;  // 16 million parts
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("too many parts"));
  bad = disk;
  bad[24 + 50] = 1;
  EXPECT_THAT(ReadTable(bad, &table), HasSubstr("reserved"));
  EXPECT_EQ(table.count(), 0u);
}

}  // namespace
}  // namespace tinyrange
