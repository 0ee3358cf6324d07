// The archive format itself: writer and reader round trips, determinism,
// the writer's validation, and the reader's handling of damaged files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "builder/archive/archive_reader.h"
#include "builder/archive/archive_test_util.h"
#include "builder/archive/archive_writer.h"
#include "builder/archive/entry_codec.h"
#include "builder/download/sha256.h"

namespace tinyrange::archive {
namespace {

using ::testing::HasSubstr;
using testing::ReadArchive;
using testing::ReadEntry;
using testing::ReadFile;
using testing::ScratchDir;
using testing::WriteFile;

Entry Make(EntryType type, const std::string& name) {
  Entry entry;
  entry.type = type;
  entry.name = name;
  entry.mode = type == EntryType::kDirectory ? 0755 : 0644;
  entry.mtime = 1700000000;
  return entry;
}

// One entry of every type, with xattrs, odd sizes (padding) and an
// entry whose data is streamed.
std::vector<ReadEntry> Sample() {
  std::vector<ReadEntry> entries;
  Entry dir = Make(EntryType::kDirectory, "usr");
  dir.uid = 1000;
  dir.gid = 100;
  dir.mode = 01777;
  entries.push_back({dir, ""});
  Entry file = Make(EntryType::kFile, "usr/hello.txt");
  file.mode = 04755;
  file.mtime = -12345;  // before the epoch
  file.xattrs = {{"security.capability", std::string("\x01\x00\x00\x02\x00\x20", 6)}, {"user.note", "hi"}};
  entries.push_back({file, "hello, world\n"});
  entries.push_back({Make(EntryType::kFile, "usr/empty"), ""});
  Entry symlink = Make(EntryType::kSymlink, "usr/link");
  symlink.mode = 0777;
  symlink.link = "hello.txt";
  entries.push_back({symlink, ""});
  Entry hard = Make(EntryType::kHardLink, "usr/hard");
  hard.link = "usr/hello.txt";
  entries.push_back({hard, ""});
  Entry chr = Make(EntryType::kCharDevice, "dev/null");
  chr.dev_major = 1;
  chr.dev_minor = 3;
  entries.push_back({chr, ""});
  Entry blk = Make(EntryType::kBlockDevice, "dev/vda");
  blk.dev_major = 254;
  blk.dev_minor = 0x12345;
  entries.push_back({blk, ""});
  entries.push_back({Make(EntryType::kFifo, "run/fifo"), ""});
  entries.push_back({Make(EntryType::kFile, "big"), std::string(300000, 'x') + "tail"});
  for (auto& e : entries) e.entry.size = e.data.size();
  return entries;
}

std::string Write(const std::filesystem::path& path, const std::vector<ReadEntry>& entries) {
  ArchiveWriter writer(path);
  for (const auto& e : entries) {
    if (e.entry.type != EntryType::kFile) {
      writer.Add(e.entry);
    } else if (e.data.size() > 100000) {
      size_t at = 0;
      // Odd chunk sizes, to exercise partial reads from the source.
      writer.AddFileFrom(e.entry, [&](char* buffer, size_t capacity) {
        size_t n = std::min({capacity, e.data.size() - at, size_t{7777}});
        std::memcpy(buffer, e.data.data() + at, n);
        at += n;
        return n;
      });
    } else {
      writer.AddFile(e.entry, e.data);
    }
  }
  return writer.Finish();
}

void ExpectSame(const Entry& a, const Entry& b) {
  EXPECT_EQ(a.type, b.type) << a.name;
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.mode, b.mode) << a.name;
  EXPECT_EQ(a.uid, b.uid) << a.name;
  EXPECT_EQ(a.gid, b.gid) << a.name;
  EXPECT_EQ(a.dev_major, b.dev_major) << a.name;
  EXPECT_EQ(a.dev_minor, b.dev_minor) << a.name;
  EXPECT_EQ(a.mtime, b.mtime) << a.name;
  EXPECT_EQ(a.link, b.link) << a.name;
  EXPECT_EQ(a.xattrs, b.xattrs) << a.name;
  EXPECT_EQ(a.size, b.size) << a.name;
}

TEST(ArchiveFormatTest, EntryNames) {
  EXPECT_EQ(CheckEntryName("usr/bin/env"), "");
  EXPECT_EQ(CheckEntryName(".tinyrange/x"), "");
  EXPECT_EQ(CheckEntryName("..."), "");
  for (const char* bad : {"", "/etc", "a/", "a//b", "./a", "a/./b", "a/..", "../a", ".", ".."}) {
    EXPECT_NE(CheckEntryName(bad), "") << bad;
  }
  EXPECT_NE(CheckEntryName(std::string("a\0b", 3)), "");
  EXPECT_EQ(CheckEntryName(std::string(kMaxNameLength, 'a')), "");
  EXPECT_THAT(CheckEntryName(std::string(kMaxNameLength + 1, 'a')), HasSubstr("4096 bytes"));
  EXPECT_STREQ(EntryTypeName(EntryType::kHardLink), "hard link");
}

TEST(ArchiveWriterTest, RoundTripsEveryEntryType) {
  ScratchDir dir;
  auto sample = Sample();
  std::string sha = Write(dir / "a.tra", sample);
  EXPECT_EQ(sha, download::Sha256Hex(ReadFile(dir / "a.tra")));
  auto read = ReadArchive(dir / "a.tra");
  ASSERT_EQ(read.size(), sample.size());
  for (size_t i = 0; i < read.size(); ++i) {
    ExpectSame(read[i].entry, sample[i].entry);
    EXPECT_EQ(read[i].data, sample[i].data) << sample[i].entry.name;
  }
}

TEST(ArchiveWriterTest, LayoutIsTheDocumentedOne) {
  ScratchDir dir;
  ArchiveWriter writer(dir / "a.tra");
  Entry file = Make(EntryType::kFile, "abcd");
  file.size = 5;
  writer.AddFile(file, "12345");
  // Name and data take 9 bytes; 7 bytes of padding reach a multiple of 8.
  EXPECT_EQ(writer.bytes_written(), 16u + 56 + 16);
  writer.Finish();
  std::string bytes = ReadFile(dir / "a.tra");
  ASSERT_EQ(bytes.size(), 16u + 56 + 16 + 56);
  EXPECT_EQ(bytes.substr(0, 16), std::string("TRFRAG01\x01\0\0\0\0\0\0\0", 16));
  EXPECT_EQ(bytes.substr(16, 8), std::string("TREN\x01\0\0\0", 8));
  EXPECT_EQ(codec::GetU32(bytes.data() + 16 + 8), 0644u);
  EXPECT_EQ(static_cast<int64_t>(codec::GetU64(bytes.data() + 16 + 28)), 1700000000);
  EXPECT_EQ(codec::GetU32(bytes.data() + 16 + 36), 4u);
  EXPECT_EQ(codec::GetU64(bytes.data() + 16 + 48), 5u);
  EXPECT_EQ(bytes.substr(72, 16), std::string("abcd12345\0\0\0\0\0\0\0", 16));
  EXPECT_EQ(bytes.substr(88), std::string("TREN", 4) + std::string(52, '\0'));
}

TEST(ArchiveWriterTest, SameEntriesGiveTheSameBytes) {
  ScratchDir dir;
  std::string a = Write(dir / "a.tra", Sample());
  std::string b = Write(dir / "b.tra", Sample());
  EXPECT_EQ(a, b);
  EXPECT_EQ(ReadFile(dir / "a.tra"), ReadFile(dir / "b.tra"));
  auto changed = Sample();
  changed[0].entry.mtime += 1;
  EXPECT_NE(Write(dir / "c.tra", changed), a);
}

TEST(ArchiveWriterTest, RejectsInvalidEntriesWithoutWritingThem) {
  ScratchDir dir;
  ArchiveWriter writer(dir / "a.tra");
  writer.Add(Make(EntryType::kDirectory, "d"));
  Entry file = Make(EntryType::kFile, "f");
  file.size = 1;
  writer.AddFile(file, "x");
  uint64_t before = writer.bytes_written();

  auto rejects = [&](const Entry& entry, const std::string& message) {
    try {
      writer.Add(entry);
      ADD_FAILURE() << "accepted " << entry.name;
    } catch (const ArchiveError& e) {
      EXPECT_THAT(e.what(), HasSubstr(message)) << entry.name;
      EXPECT_THAT(e.what(), HasSubstr((dir / "a.tra").string()));
    }
    EXPECT_EQ(writer.bytes_written(), before);
  };
  rejects(Make(EntryType::kFile, "/abs"), "absolute");
  rejects(Make(EntryType::kFile, "a/../b"), "'..'");
  rejects(Make(EntryType::kFile, ""), "empty");
  rejects(Make(EntryType::kDirectory, "d/"), "ends with '/'");
  rejects(Make(EntryType::kFile, std::string(5000, 'n')), "more than the limit");
  rejects(Make(EntryType::kEnd, "e"), "not a valid entry type");
  rejects(Make(static_cast<EntryType>(9), "e"), "not a valid entry type");
  Entry e = Make(EntryType::kFile, "m");
  e.mode = 0100644;
  rejects(e, "outside 07777");
  e = Make(EntryType::kSymlink, "s");
  rejects(e, "symlink target is empty");
  e.link = std::string(5000, 't');
  rejects(e, "limit");
  e = Make(EntryType::kDirectory, "l");
  e.link = "x";
  rejects(e, "has a link target");
  e = Make(EntryType::kHardLink, "h");
  e.link = "missing";
  rejects(e, "not an earlier regular file");
  e.link = "d";
  rejects(e, "not an earlier regular file");
  e.link = "/f";
  rejects(e, "not a valid name");
  e = Make(EntryType::kFile, "dev");
  e.dev_major = 1;
  rejects(e, "device numbers");
  e = Make(EntryType::kDirectory, "sized");
  e.size = 3;
  rejects(e, "has data");
  e = Make(EntryType::kFile, "sized");
  e.size = 3;
  rejects(e, "AddFile");
  e = Make(EntryType::kFile, "x");
  e.xattrs = {{"user.b", ""}, {"user.a", ""}};
  rejects(e, "not strictly ascending");
  e.xattrs = {{"user.a", "1"}, {"user.a", "2"}};
  rejects(e, "not strictly ascending");
  e.xattrs = {{"", "1"}};
  rejects(e, "empty key");
  e.xattrs = {{"user.big", std::string(kMaxXattrBlock, 'v')}};
  rejects(e, "limit");

  e = Make(EntryType::kFile, "short");
  e.size = 4;
  EXPECT_THROW(writer.AddFile(e, "abc"), ArchiveError);
  EXPECT_THROW(writer.AddFile(Make(EntryType::kDirectory, "dir"), ""), ArchiveError);
  EXPECT_EQ(writer.bytes_written(), before);

  // A hard link to the file written above is fine; so is the end.
  e = Make(EntryType::kHardLink, "h");
  e.link = "f";
  writer.Add(e);
  writer.Finish();
  EXPECT_THROW(writer.Add(Make(EntryType::kDirectory, "late")), ArchiveError);
  EXPECT_THROW(writer.Finish(), ArchiveError);
  EXPECT_EQ(ReadArchive(dir / "a.tra").size(), 3u);
}

TEST(ArchiveWriterTest, StreamedFileOfTheWrongSizeBreaksTheWriter) {
  ScratchDir dir;
  {
    ArchiveWriter writer(dir / "short.tra");
    Entry e = Make(EntryType::kFile, "f");
    e.size = 10;
    int calls = 0;
    try {
      writer.AddFileFrom(e, [&](char* buffer, size_t) {
        if (calls++) return size_t{0};
        std::memcpy(buffer, "abc", 3);
        return size_t{3};
      });
      ADD_FAILURE();
    } catch (const ArchiveError& error) {
      EXPECT_THAT(error.what(), HasSubstr("ended after 3 of 10 bytes"));
    }
    try {
      writer.Add(Make(EntryType::kDirectory, "d"));
      ADD_FAILURE();
    } catch (const ArchiveError& error) {
      EXPECT_THAT(error.what(), HasSubstr("incomplete"));
    }
  }
  ArchiveWriter writer(dir / "long.tra");
  Entry e = Make(EntryType::kFile, "f");
  e.size = 2;
  EXPECT_THROW(writer.AddFileFrom(e,
                                  [](char* buffer, size_t capacity) {
                                    std::memset(buffer, 'z', capacity);
                                    return capacity;
                                  }),
               ArchiveError);
  EXPECT_THROW(writer.Finish(), ArchiveError);
}

TEST(ArchiveWriterTest, UnwritablePathIsNamed) {
  try {
    ArchiveWriter writer("/nonexistent-dir/x.tra");
    ADD_FAILURE();
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent-dir/x.tra"));
  }
}

TEST(ArchiveReaderTest, ReadsInPiecesAndSkipsUnreadData) {
  ScratchDir dir;
  Write(dir / "a.tra", Sample());
  ArchiveReader reader(dir / "a.tra");
  std::vector<std::string> names;
  while (auto entry = reader.Next()) {
    names.push_back(entry->name);
    if (entry->name == "usr/hello.txt") {
      char buffer[5];
      ASSERT_EQ(reader.Read(buffer, sizeof buffer), 5u);
      EXPECT_EQ(std::string(buffer, 5), "hello");
      EXPECT_EQ(reader.ReadAll(), ", world\n");
      EXPECT_EQ(reader.Read(buffer, sizeof buffer), 0u);
    }
    // "big" is skipped without being read.
  }
  EXPECT_EQ(names.size(), Sample().size());
  EXPECT_FALSE(reader.Next());
  EXPECT_EQ(reader.path(), dir / "a.tra");
}

// Reads everything; the archive must either be valid or throw ArchiveError.
bool ReadsCleanly(const std::filesystem::path& path, std::string* error) {
  try {
    ArchiveReader reader(path);
    while (reader.Next()) {
      char buffer[100];
      while (reader.Read(buffer, sizeof buffer) > 0) {
      }
    }
    return true;
  } catch (const ArchiveError& e) {
    *error = e.what();
    return false;
  }
}

TEST(ArchiveReaderTest, EveryTruncationIsAnErrorNamingFileAndOffset) {
  ScratchDir dir;
  auto sample = Sample();
  sample.pop_back();  // keep the archive small: every prefix is tried
  Write(dir / "a.tra", sample);
  std::string bytes = ReadFile(dir / "a.tra");
  for (size_t length = 0; length < bytes.size(); ++length) {
    WriteFile(dir / "t.tra", bytes.substr(0, length));
    std::string error;
    ASSERT_FALSE(ReadsCleanly(dir / "t.tra", &error)) << length;
    EXPECT_THAT(error, HasSubstr((dir / "t.tra").string()));
    EXPECT_THAT(error, HasSubstr("offset")) << error;
    EXPECT_THAT(error, HasSubstr("truncated")) << length << ": " << error;
  }
}

TEST(ArchiveReaderTest, DamagedBytesNeverCrashTheReader) {
  ScratchDir dir;
  auto sample = Sample();
  sample.pop_back();
  Write(dir / "a.tra", sample);
  std::string bytes = ReadFile(dir / "a.tra");
  int errors = 0;
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (unsigned char flip : {0x01, 0x80, 0xff}) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ flip);
      WriteFile(dir / "d.tra", damaged);
      std::string error;
      if (!ReadsCleanly(dir / "d.tra", &error)) ++errors;
    }
  }
  EXPECT_GT(errors, 0);
}

class DamagedField : public ::testing::Test {
 protected:
  // A file entry (with an xattr pair) then a hard link, then the end.
  void SetUp() override {
    ArchiveWriter writer(dir_ / "a.tra");
    Entry e = Make(EntryType::kFile, "f");
    e.size = 3;
    e.xattrs = {{"user.a", "1"}, {"user.b", "2"}};
    writer.AddFile(e, "abc");
    Entry h = Make(EntryType::kHardLink, "h");
    h.link = "f";
    writer.Add(h);
    writer.Finish();
    bytes_ = ReadFile(dir_ / "a.tra");
  }

  std::string Error(const std::function<void(std::string&)>& damage) {
    std::string damaged = bytes_;
    damage(damaged);
    WriteFile(dir_ / "d.tra", damaged);
    std::string error;
    EXPECT_FALSE(ReadsCleanly(dir_ / "d.tra", &error));
    return error;
  }

  static constexpr size_t kFirst = 16;  // the first entry header
  ScratchDir dir_;
  std::string bytes_;
};

TEST_F(DamagedField, EachFieldIsChecked) {
  EXPECT_THAT(Error([](std::string& b) { b[0] = 'X'; }), HasSubstr("bad magic"));
  EXPECT_THAT(Error([](std::string& b) { b[8] = 2; }), HasSubstr("offset 8: unsupported format version 2"));
  EXPECT_THAT(Error([](std::string& b) { b[12] = 1; }), HasSubstr("offset 12: unknown flags 1"));
  EXPECT_THAT(Error([](std::string& b) { b[kFirst] = 'X'; }), HasSubstr("offset 16: bad entry magic"));
  EXPECT_THAT(Error([](std::string& b) { b[kFirst + 4] = 8; }), HasSubstr("unknown entry type 8"));
  EXPECT_THAT(Error([](std::string& b) { b[kFirst + 6] = 1; }), HasSubstr("reserved"));
  EXPECT_THAT(Error([](std::string& b) { b[kFirst + 10] = 1; }), HasSubstr("outside 07777"));
  EXPECT_THAT(Error([](std::string& b) { b[kFirst + 20] = 1; }), HasSubstr("device numbers"));
  EXPECT_THAT(Error([](std::string& b) { codec::PutU32(b.data() + kFirst + 36, 0); }), HasSubstr("name length 0"));
  EXPECT_THAT(Error([](std::string& b) { codec::PutU32(b.data() + kFirst + 36, 5000); }),
              HasSubstr("name length 5000"));
  EXPECT_THAT(Error([](std::string& b) { codec::PutU32(b.data() + kFirst + 40, 1); }), HasSubstr("link target"));
  EXPECT_THAT(Error([](std::string& b) { codec::PutU32(b.data() + kFirst + 44, kMaxXattrBlock + 1); }),
              HasSubstr("over the limit"));
  // The name: '/' is an absolute name.
  EXPECT_THAT(Error([](std::string& b) { b[kFirst + 56] = '/'; }), HasSubstr("absolute"));
  // The xattr block: swap the keys' order, make a length overrun.
  size_t xattrs = kFirst + 56 + 1;
  EXPECT_THAT(Error([&](std::string& b) { b[xattrs + 8 + 5] = 'c'; }), HasSubstr("not strictly ascending"));
  EXPECT_THAT(Error([&](std::string& b) { codec::PutU32(b.data() + xattrs, 100); }), HasSubstr("runs past"));
  EXPECT_THAT(Error([&](std::string& b) { codec::PutU32(b.data() + xattrs, 0); }), HasSubstr("empty key"));
  // Padding after the 3 data bytes.
  size_t data_end = xattrs + 2 * (8 + 6 + 1) + 3;
  ASSERT_NE(data_end % 8, 0u);
  EXPECT_THAT(Error([&](std::string& b) { b[data_end] = 1; }), HasSubstr("padding byte is not zero"));
  // The size field of a hard link, and its target.
  size_t second = data_end + codec::PaddingAfter(data_end);
  EXPECT_THAT(Error([&](std::string& b) { b[second + 48] = 1; }), HasSubstr("has data"));
  EXPECT_THAT(Error([&](std::string& b) { b[second + 56 + 1] = 'g'; }), HasSubstr("not an earlier regular file"));
  // The end entry, and what follows it.
  size_t end = bytes_.size() - kEntryHeaderSize;
  EXPECT_THAT(Error([&](std::string& b) { b[end + 30] = 1; }), HasSubstr("end entry has a nonzero field"));
  EXPECT_THAT(Error([](std::string& b) { b += std::string(8, '\0'); }), HasSubstr("data follows the end entry"));
}

}  // namespace
}  // namespace tinyrange::archive
