#include "builder/fs_output/fs_output_test_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "builder/archive/archive_writer.h"

namespace tinyrange::fs_output::testing {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tr-fs-output-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> ScratchDir::List() const {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(path_)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {
archive::Entry Base(archive::EntryType type, const std::string& name, uint32_t mode, int64_t mtime) {
  archive::Entry e;
  e.type = type;
  e.name = name;
  e.mode = mode;
  e.mtime = mtime;
  return e;
}
}  // namespace

TestEntry File(const std::string& name, const std::string& data, uint32_t mode, uint32_t uid, uint32_t gid,
               int64_t mtime) {
  TestEntry t{Base(archive::EntryType::kFile, name, mode, mtime), data};
  t.entry.uid = uid;
  t.entry.gid = gid;
  t.entry.size = data.size();
  return t;
}

TestEntry Dir(const std::string& name, uint32_t mode, uint32_t uid, uint32_t gid, int64_t mtime) {
  TestEntry t{Base(archive::EntryType::kDirectory, name, mode, mtime), ""};
  t.entry.uid = uid;
  t.entry.gid = gid;
  return t;
}

TestEntry Symlink(const std::string& name, const std::string& target, int64_t mtime) {
  TestEntry t{Base(archive::EntryType::kSymlink, name, 0777, mtime), ""};
  t.entry.link = target;
  return t;
}

TestEntry HardLink(const std::string& name, const std::string& target) {
  TestEntry t{Base(archive::EntryType::kHardLink, name, 0644, 1000), ""};
  t.entry.link = target;
  return t;
}

TestEntry Device(const std::string& name, archive::EntryType type, uint32_t major, uint32_t minor,
                 uint32_t mode) {
  TestEntry t{Base(type, name, mode, 1000), ""};
  t.entry.dev_major = major;
  t.entry.dev_minor = minor;
  return t;
}

TestEntry Fifo(const std::string& name, uint32_t mode) {
  return TestEntry{Base(archive::EntryType::kFifo, name, mode, 1000), ""};
}

std::filesystem::path MakeArchive(const std::filesystem::path& path, const std::vector<TestEntry>& entries) {
  archive::ArchiveWriter writer(path);
  for (const TestEntry& t : entries) {
    if (t.entry.type == archive::EntryType::kFile && !t.data.empty()) {
      writer.AddFile(t.entry, t.data);
    } else {
      writer.Add(t.entry);
    }
  }
  writer.Finish();
  return path;
}

FsTree SampleTree(const ScratchDir& dir) {
  TestEntry ping = File("bin/ping", "ping binary", 04755, 0, 0);
  ping.entry.xattrs = {{"security.capability", std::string("\x01\x00\x00\x02\x00\x20\x00\x00", 8)},
                       {"user.note", "hello"}};
  FsTree tree;
  tree.ApplyArchive(MakeArchive(dir / "layer1.tra",
                                {Dir("bin"), File("bin/busybox", "busybox binary", 0755), ping,
                                 HardLink("bin/sh", "bin/busybox"), Dir("etc"), File("etc/passwd", "root:x:0:0\n"),
                                 Dir("home"), Dir("home/user", 0700, 3000000, 3000001),
                                 File("home/user/a \"file\"", "quoted", 0600, 3000000, 3000001)}));
  tree.ApplyArchive(MakeArchive(dir / "layer2.tra",
                                {Dir("dev"), Device("dev/null", archive::EntryType::kCharDevice, 1, 3),
                                 Device("dev/sda", archive::EntryType::kBlockDevice, 8, 0, 0660),
                                 Fifo("dev/initctl", 0600), Symlink("lib", "usr/lib"),
                                 File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")}));
  tree.AddFile("etc/new", "newer than the epoch", Metadata(0644, 0, 0, 2000000000));
  tree.SetRootMetadata(Metadata(0755, 0, 0, 1000));
  return tree;
}

std::vector<ReadEntry> ReadWithLibarchive(const std::filesystem::path& path) {
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_cpio(a);
  if (archive_read_open_filename(a, path.c_str(), 65536) != ARCHIVE_OK) {
    std::string message = archive_error_string(a);
    archive_read_free(a);
    throw std::runtime_error("cannot open " + path.string() + ": " + message);
  }
  std::vector<ReadEntry> out;
  archive_entry* e = nullptr;
  int rc;
  // A warning is what libarchive says about a name it cannot express in the
  // C locale; the UTF-8 form is still there.
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    ReadEntry r;
    // In the C locale a non-ASCII name has no multibyte form, only UTF-8.
    const char* name_mbs = archive_entry_pathname(e);
    if (name_mbs == nullptr) name_mbs = archive_entry_pathname_utf8(e);
    r.path = name_mbs != nullptr ? name_mbs : "";
    switch (archive_entry_filetype(e)) {
      case AE_IFREG: r.type = 'f'; break;
      case AE_IFDIR: r.type = 'd'; break;
      case AE_IFLNK: r.type = 'l'; break;
      case AE_IFCHR: r.type = 'c'; break;
      case AE_IFBLK: r.type = 'b'; break;
      case AE_IFIFO: r.type = 'p'; break;
      default: break;
    }
    if (archive_entry_hardlink(e) != nullptr) {
      r.type = 'h';
      r.link = archive_entry_hardlink(e);
    }
    if (archive_entry_symlink(e) != nullptr) r.link = archive_entry_symlink(e);
    else if (archive_entry_symlink_utf8(e) != nullptr) r.link = archive_entry_symlink_utf8(e);
    r.mode = archive_entry_perm(e);
    r.uid = archive_entry_uid(e);
    r.gid = archive_entry_gid(e);
    r.mtime = archive_entry_mtime(e);
    r.rdev_major = archive_entry_rdevmajor(e);
    r.rdev_minor = archive_entry_rdevminor(e);
    r.nlink = archive_entry_nlink(e);
    r.ino = archive_entry_ino64(e);
    archive_entry_xattr_reset(e);
    const char* name;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      r.xattrs[name] = std::string(static_cast<const char*>(value), size);
    }
    char buffer[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buffer, sizeof(buffer))) > 0) r.data.append(buffer, static_cast<size_t>(n));
    out.push_back(std::move(r));
  }
  std::string error = rc == ARCHIVE_EOF ? "" : archive_error_string(a);
  archive_read_free(a);
  if (!error.empty()) throw std::runtime_error("reading " + path.string() + ": " + error);
  return out;
}

std::string DetectedFormat(const std::filesystem::path& path) {
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  std::string out;
  archive_entry* e = nullptr;
  if (archive_read_open_filename(a, path.c_str(), 65536) == ARCHIVE_OK &&
      archive_read_next_header(a, &e) == ARCHIVE_OK) {
    out = std::string(archive_format_name(a)) + " / " + archive_filter_name(a, 0);
  }
  archive_read_free(a);
  return out;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Shell(const std::string& command, int* exit_code) {
  std::string full = command + " 2>/dev/null";
  FILE* p = ::popen(full.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), p)) > 0) out.append(buffer, n);
  int status = ::pclose(p);
  if (exit_code != nullptr) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

const ReadEntry& EntryAt(const std::vector<ReadEntry>& entries, const std::string& path) {
  for (const ReadEntry& e : entries) {
    if (e.path == path) return e;
  }
  throw std::runtime_error("no entry " + path);
}

}  // namespace tinyrange::fs_output::testing
