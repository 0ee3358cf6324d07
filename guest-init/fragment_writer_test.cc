#include "guest-init/fragment_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "guest-init/test_archives.h"

namespace tinyrange {
namespace {

using fragment::EntryType;
using testing::TestEntry;

// Writes `entries` with FragmentWriter (through a small buffer, so that it
// flushes often) into a file from `offset`; returns the file's bytes.
std::string WriteWithOurWriter(const std::vector<TestEntry>& entries, uint64_t offset,
                               uint64_t limit, bool* too_large, uint64_t* length) {
  testing::TempDir dir;
  std::string path = dir.path() + "/out";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::vector<uint8_t> buffer(100);
  FragmentWriter writer(fd, offset, limit, buffer.data(), buffer.size());
  EXPECT_TRUE(writer.Begin());
  std::vector<std::string> blocks;
  for (const TestEntry& e : entries) {
    std::string x;
    for (const auto& [k, v] : e.xattrs) {
      testing::Put32(&x, static_cast<uint32_t>(k.size()));
      testing::Put32(&x, static_cast<uint32_t>(v.size()));
      x += k + v;
    }
    blocks.push_back(x);
    FragmentEntryInfo info;
    info.type = e.type;
    info.name = e.name;
    info.link = e.link;
    info.xattrs = blocks.back();
    info.mode = e.mode;
    info.uid = e.uid;
    info.gid = e.gid;
    info.dev_major = e.dev_major;
    info.dev_minor = e.dev_minor;
    info.mtime = e.mtime;
    info.size = e.data.size();
    EXPECT_TRUE(writer.Entry(info));
    // Data in uneven pieces.
    for (size_t at = 0; at < e.data.size(); at += 37) {
      EXPECT_TRUE(writer.Data(e.data.data() + at, std::min<size_t>(37, e.data.size() - at)));
    }
    EXPECT_TRUE(writer.FinishEntry());
  }
  EXPECT_TRUE(writer.End());
  *too_large = writer.too_large();
  *length = writer.length();
  close(fd);
  return testing::ReadFile(path);
}

std::vector<TestEntry> Sample() {
  TestEntry dev;
  dev.type = EntryType::kCharDevice;
  dev.name = "dev/null";
  dev.mode = 0666;
  dev.dev_major = 1;
  dev.dev_minor = 3;
  TestEntry file = testing::File("etc/passwd", std::string(1000, 'p'), 0600);
  file.uid = 1;
  file.gid = 2;
  file.mtime = -5;
  file.xattrs = {{"security.capability", std::string("\1\0\0\2", 4)}, {"user.x", "y"}};
  TestEntry fifo;
  fifo.type = EntryType::kFifo;
  fifo.name = "run/fifo";
  return {testing::Dir("etc"),
          file,
          testing::Symlink("etc/link", "passwd"),
          testing::HardLink("etc/hard", "etc/passwd"),
          dev,
          fifo,
          testing::File("odd", "abc")};
}

TEST(FragmentWriterTest, BytesMatchTheSpecification) {
  bool too_large = false;
  uint64_t length = 0;
  std::string out = WriteWithOurWriter(Sample(), 0, 1 << 20, &too_large, &length);
  EXPECT_EQ(out, testing::BuildFragment(Sample()));
  EXPECT_EQ(length, out.size());
  EXPECT_FALSE(too_large);
}

TEST(FragmentWriterTest, WritesFromTheOffset) {
  bool too_large = false;
  uint64_t length = 0;
  std::string out = WriteWithOurWriter(Sample(), 4096, 1 << 20, &too_large, &length);
  EXPECT_EQ(out.substr(0, 4096), std::string(4096, '\0'));
  EXPECT_EQ(out.substr(4096), testing::BuildFragment(Sample()));
}

TEST(FragmentWriterTest, StopsAtTheLimit) {
  bool too_large = false;
  uint64_t length = 0;
  std::string out = WriteWithOurWriter(Sample(), 8, 500, &too_large, &length);
  EXPECT_TRUE(too_large);
  EXPECT_EQ(length, testing::BuildFragment(Sample()).size()) << "counts what it would have written";
  EXPECT_EQ(out.size(), 508u) << "writes nothing past the limit";
}

}  // namespace
}  // namespace tinyrange
