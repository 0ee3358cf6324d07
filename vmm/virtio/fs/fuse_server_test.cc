// Every opcode against a temporary directory, compared with the host's view.
#include "vmm/virtio/fs/fuse_server.h"

#include <dirent.h>
#include <linux/falloc.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "vmm/virtio/fs/fuse_test_fixture.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio::fs::testing {
namespace {

constexpr uint64_t kRoot = 1;

using FuseServerTest = FuseShareTest;

TEST_F(FuseServerTest, InitNegotiatesVersionAndLimits) {
  server_ = FuseServer::Open(share_, {});
  FuseTestClient c(server_.get());
  EXPECT_EQ(c.GetAttr(kRoot).error, EIO);  // nothing before INIT
  EXPECT_EQ(c.Init(6).error, EPROTO);
  EXPECT_EQ(c.Init(7, 30).error, EPROTO);
  Reply newer = c.Init(8);
  ASSERT_EQ(newer.error, 0);
  EXPECT_EQ(newer.As<fuse_init_out>().major, 7u);
  EXPECT_EQ(c.GetAttr(kRoot).error, EIO);  // a major-only answer does not start a session

  Reply r = c.Init(7, 31, FUSE_ASYNC_READ | FUSE_DO_READDIRPLUS | FUSE_POSIX_ACL | FUSE_WRITEBACK_CACHE);
  ASSERT_EQ(r.error, 0);
  auto out = r.As<fuse_init_out>();
  EXPECT_EQ(out.major, 7u);
  EXPECT_EQ(out.minor, 31u);
  EXPECT_EQ(out.flags, uint32_t{FUSE_ASYNC_READ | FUSE_DO_READDIRPLUS});  // only what both sides have
  EXPECT_EQ(out.max_write, kFuseMaxWrite);
  EXPECT_EQ(out.max_readahead, 65536u);
  EXPECT_EQ(c.GetAttr(kRoot).error, 0);
  EXPECT_EQ(c.Init(7, 99).As<fuse_init_out>().minor, uint32_t{FUSE_KERNEL_MINOR_VERSION});

  // An INIT from a kernel before 7.36 is 16 bytes long.
  fuse_init_in in = {7, 31, 4096, 0, 0, {}};
  Bytes full = Struct(in);
  EXPECT_EQ(c.Call(FUSE_INIT, 0, Bytes(full.begin(), full.begin() + 16)).error, 0);
  EXPECT_EQ(c.Call(FUSE_INIT, 0, Bytes(8, 0)).error, EINVAL);
}

TEST_F(FuseServerTest, DestroyEndsTheSessionAndUnknownOpcodesAreEnosys) {
  Serve();
  EXPECT_EQ(client().Call(FUSE_IOCTL, kRoot, Bytes(64, 0)).error, ENOSYS);
  EXPECT_EQ(client().Call(9999, kRoot, {}).error, ENOSYS);
  EXPECT_EQ(client().Call(FUSE_DESTROY, kRoot, {}).error, 0);
  EXPECT_EQ(client().GetAttr(kRoot).error, EIO);
}

TEST_F(FuseServerTest, LookupAndGetattrMatchTheHost) {
  PutFile(share_ + "/file", "hello");
  Serve();
  fuse_entry_out entry;
  int error;
  uint64_t node = client().Lookup(kRoot, "file", &error, &entry);
  ASSERT_EQ(error, 0);
  struct stat st = Stat(share_ + "/file");
  EXPECT_EQ(entry.attr.ino, st.st_ino);
  EXPECT_EQ(entry.attr.size, 5u);
  EXPECT_EQ(entry.attr.mode, st.st_mode);
  EXPECT_EQ(entry.attr.uid, IdMapping::ForThisProcess().UidToGuest(st.st_uid));
  EXPECT_EQ(client().Lookup(kRoot, "file"), node);  // one inode, one node id
  Reply attr = client().GetAttr(node);
  ASSERT_EQ(attr.error, 0);
  EXPECT_EQ(attr.As<fuse_attr_out>().attr.size, 5u);
  client().Lookup(kRoot, "missing", &error);
  EXPECT_EQ(error, ENOENT);
  client().Lookup(node, "x", &error);
  EXPECT_EQ(error, ENOTDIR);
}

TEST_F(FuseServerTest, CreateWriteReadReachTheHostFile) {
  Serve();
  umask(022);
  Reply created = client().Create(kRoot, "new", O_RDWR, 0666);
  ASSERT_EQ(created.error, 0);
  auto entry = created.As<fuse_entry_out>();
  uint64_t fh = created.As<fuse_open_out>(sizeof(fuse_entry_out)).fh;
  // The guest's mode exactly: the host's umask does not apply again.
  EXPECT_EQ(Stat(share_ + "/new").st_mode & 07777, 0666u);
  Reply written = client().Write(entry.nodeid, fh, 3, "payload");
  ASSERT_EQ(written.error, 0);
  EXPECT_EQ(written.As<fuse_write_out>().size, 7u);
  EXPECT_EQ(GetFile(share_ + "/new"), std::string("\0\0\0payload", 10));
  Reply read = client().Read(entry.nodeid, fh, 3, 100);
  ASSERT_EQ(read.error, 0);
  EXPECT_EQ(read.Text(), "payload");
  EXPECT_EQ(client().Read(entry.nodeid, fh, 1000, 100).body.size(), 0u);  // past the end
  EXPECT_EQ(client().Call(FUSE_FLUSH, entry.nodeid, Struct(fuse_flush_in{fh, 0, 0, 0})).error, 0);
  EXPECT_EQ(client().Call(FUSE_FSYNC, entry.nodeid, Struct(fuse_fsync_in{fh, 0, 0})).error, 0);
  EXPECT_EQ(client().Call(FUSE_FSYNC, entry.nodeid, Struct(fuse_fsync_in{fh, FUSE_FSYNC_FDATASYNC, 0})).error, 0);
  EXPECT_EQ(client().Release(entry.nodeid, fh).error, 0);
  EXPECT_EQ(client().Release(entry.nodeid, fh).error, EBADF);
  EXPECT_EQ(client().Read(entry.nodeid, fh, 0, 10).error, EBADF);

  EXPECT_EQ(client().Create(kRoot, "new", O_RDWR | O_CREAT | O_EXCL, 0600).error, EEXIST);
  Reply reopened = client().Create(kRoot, "new", O_RDWR | O_TRUNC, 0600);  // exists: opened, mode kept
  ASSERT_EQ(reopened.error, 0);
  EXPECT_EQ(reopened.As<fuse_entry_out>().nodeid, entry.nodeid);
  EXPECT_EQ(Stat(share_ + "/new").st_size, 0);
  EXPECT_EQ(Stat(share_ + "/new").st_mode & 07777, 0666u);
}

TEST_F(FuseServerTest, OpenHonoursFlags) {
  PutFile(share_ + "/f", "abc");
  Serve();
  uint64_t node = client().Lookup(kRoot, "f");
  Reply append = client().Open(node, O_WRONLY | O_APPEND);
  ASSERT_EQ(append.error, 0);
  client().Write(node, append.As<fuse_open_out>().fh, 0, "def");
  EXPECT_EQ(GetFile(share_ + "/f"), "abcdef");
  EXPECT_EQ(client().Open(node, O_ACCMODE).error, EINVAL);
  EXPECT_EQ(client().Open(kRoot, O_RDONLY).error, EISDIR);
  Reply readonly = client().Open(node, O_RDONLY);
  EXPECT_EQ(client().Write(node, readonly.As<fuse_open_out>().fh, 0, "x").error, EBADF);
  ASSERT_EQ(client().Open(node, O_RDWR | O_TRUNC).error, 0);
  EXPECT_EQ(GetFile(share_ + "/f"), "");
}

TEST_F(FuseServerTest, SetattrChangesModeSizeTimesAndOwner) {
  PutFile(share_ + "/f", "0123456789");
  Serve();
  uint64_t node = client().Lookup(kRoot, "f");
  fuse_setattr_in in = {};
  in.valid = FATTR_MODE | FATTR_SIZE | FATTR_ATIME | FATTR_MTIME;
  in.mode = 0604;
  in.size = 4;
  in.atime = 1000;
  in.atimensec = 5;
  in.mtime = 2000;
  in.mtimensec = 7;
  Reply r = client().SetAttr(node, in);
  ASSERT_EQ(r.error, 0);
  struct stat st = Stat(share_ + "/f");
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  EXPECT_EQ(st.st_size, 4);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_atim.tv_nsec, 5);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(r.As<fuse_attr_out>().attr.mtime, 2000u);
  EXPECT_EQ(r.As<fuse_attr_out>().attr.size, 4u);

  in = {};
  in.valid = FATTR_MTIME | FATTR_MTIME_NOW;
  ASSERT_EQ(client().SetAttr(node, in).error, 0);
  EXPECT_GT(Stat(share_ + "/f").st_mtim.tv_sec, 2000);
  EXPECT_EQ(Stat(share_ + "/f").st_atim.tv_sec, 1000);  // untouched

  in = {};
  in.valid = FATTR_ATIME;
  in.atimensec = 1000000000;
  EXPECT_EQ(client().SetAttr(node, in).error, EINVAL);
  in = {};
  in.valid = FATTR_SIZE;
  in.size = ~0ULL;
  EXPECT_EQ(client().SetAttr(node, in).error, EINVAL);
  EXPECT_EQ(client().SetAttr(kRoot, in).error, EINVAL);

  // Ownership to the guest's root is always possible: it is the VMM user.
  in = {};
  in.valid = FATTR_UID | FATTR_GID;
  in.uid = 0;
  in.gid = 0;
  Reply owned = client().SetAttr(node, in);
  ASSERT_EQ(owned.error, 0);
  EXPECT_EQ(owned.As<fuse_attr_out>().attr.uid, 0u);
  EXPECT_EQ(Stat(share_ + "/f").st_uid, geteuid());
  if (geteuid() != 0) {
    in.uid = 4242;  // another host user: the host refuses, and so do we
    EXPECT_EQ(client().SetAttr(node, in).error, EPERM);
  } else {
    in.uid = 4242;
    ASSERT_EQ(client().SetAttr(node, in).error, 0);
    EXPECT_EQ(Stat(share_ + "/f").st_uid, 4242u);
  }
}

TEST_F(FuseServerTest, NewNodesBelongToTheirMakerWhenTheHostAllows) {
  Serve();
  client().caller_uid = 4321;
  client().caller_gid = 8765;
  uint64_t file = client().Create(kRoot, "file", O_RDWR, 04755).As<fuse_entry_out>().nodeid;
  ASSERT_EQ(client().Mkdir(kRoot, "dir", 0755).error, 0);
  ASSERT_EQ(client().Symlink(kRoot, "link", "file").error, 0);
  IdMapping ids = IdMapping::ForThisProcess();
  for (std::string name : {"file", "dir", "link"}) {
    struct stat st = Stat(share_ + "/" + name);
    if (geteuid() == 0) {
      EXPECT_EQ(st.st_uid, 4321u) << name;
      EXPECT_EQ(st.st_gid, 8765u) << name;
    } else {
      EXPECT_EQ(st.st_uid, geteuid()) << name;  // the guest sees its root
    }
  }
  // The mode is applied after the owner, so set-user-ID survives.
  EXPECT_EQ(Stat(share_ + "/file").st_mode & 07777, 04755u);
  EXPECT_EQ(client().GetAttr(file).As<fuse_attr_out>().attr.uid, ids.UidToGuest(Stat(share_ + "/file").st_uid));
}

TEST_F(FuseServerTest, SetattrSizeThroughAFileHandle) {
  PutFile(share_ + "/f", "0123456789");
  Serve();
  uint64_t node = client().Lookup(kRoot, "f");
  uint64_t fh = client().Open(node, O_RDWR).As<fuse_open_out>().fh;
  fuse_setattr_in in = {};
  in.valid = FATTR_SIZE | FATTR_FH;
  in.fh = fh;
  in.size = 2;
  ASSERT_EQ(client().SetAttr(node, in).error, 0);
  EXPECT_EQ(GetFile(share_ + "/f"), "01");
}

TEST_F(FuseServerTest, MkdirMknodUnlinkRmdir) {
  Serve();
  Reply dir = client().Mkdir(kRoot, "d", 0750);
  ASSERT_EQ(dir.error, 0);
  EXPECT_TRUE(S_ISDIR(Stat(share_ + "/d").st_mode));
  EXPECT_EQ(Stat(share_ + "/d").st_mode & 07777, 0750u);
  uint64_t d = dir.As<fuse_entry_out>().nodeid;
  Reply fifo = client().Mknod(d, "fifo", S_IFIFO | 0640);
  ASSERT_EQ(fifo.error, 0);
  EXPECT_TRUE(S_ISFIFO(Stat(share_ + "/d/fifo").st_mode));
  EXPECT_EQ(client().Open(fifo.As<fuse_entry_out>().nodeid, O_RDONLY).error, EACCES);  // never opened on the host
  ASSERT_EQ(client().Mknod(d, "reg", S_IFREG | 0600).error, 0);
  EXPECT_EQ(client().Mknod(d, "dev", S_IFCHR | 0600).error, EPERM);
  EXPECT_EQ(client().Mknod(d, "blk", S_IFBLK | 0600).error, EPERM);
  EXPECT_FALSE(Exists(share_ + "/d/dev"));
  EXPECT_EQ(client().Mkdir(kRoot, "d", 0755).error, EEXIST);

  EXPECT_EQ(client().Call(FUSE_RMDIR, kRoot, Str("d")).error, ENOTEMPTY);
  EXPECT_EQ(client().Call(FUSE_UNLINK, d, Str("fifo")).error, 0);
  EXPECT_EQ(client().Call(FUSE_UNLINK, d, Str("reg")).error, 0);
  EXPECT_EQ(client().Call(FUSE_UNLINK, d, Str("reg")).error, ENOENT);
  EXPECT_EQ(client().Call(FUSE_UNLINK, kRoot, Str("d")).error, EISDIR);
  EXPECT_EQ(client().Call(FUSE_RMDIR, kRoot, Str("d")).error, 0);
  EXPECT_FALSE(Exists(share_ + "/d"));
}

TEST_F(FuseServerTest, RenameAndRename2Flags) {
  PutFile(share_ + "/a", "A");
  PutFile(share_ + "/b", "B");
  ASSERT_EQ(mkdir((share_ + "/d").c_str(), 0755), 0);
  Serve();
  uint64_t d = client().Lookup(kRoot, "d");
  fuse_rename_in plain = {d};
  ASSERT_EQ(client().Call(FUSE_RENAME, kRoot, Cat({Struct(plain), Str("a"), Str("a2")})).error, 0);
  EXPECT_EQ(GetFile(share_ + "/d/a2"), "A");
  EXPECT_EQ(client().Rename2(d, "a2", kRoot, "b", RENAME_NOREPLACE).error, EEXIST);
  ASSERT_EQ(client().Rename2(d, "a2", kRoot, "b", RENAME_EXCHANGE).error, 0);
  EXPECT_EQ(GetFile(share_ + "/b"), "A");
  EXPECT_EQ(GetFile(share_ + "/d/a2"), "B");
  ASSERT_EQ(client().Rename2(kRoot, "b", kRoot, "c", 0).error, 0);
  EXPECT_EQ(GetFile(share_ + "/c"), "A");
  EXPECT_EQ(client().Rename2(kRoot, "c", kRoot, "e", 1u << 9).error, EINVAL);
  EXPECT_EQ(client().Rename2(kRoot, "c", 999, "e", 0).error, ESTALE);
}

TEST_F(FuseServerTest, LinkSymlinkReadlink) {
  PutFile(share_ + "/f", "data");
  Serve();
  uint64_t f = client().Lookup(kRoot, "f");
  Reply link = client().Link(f, kRoot, "hard");
  ASSERT_EQ(link.error, 0);
  EXPECT_EQ(link.As<fuse_entry_out>().nodeid, f);  // same inode, same node
  EXPECT_EQ(link.As<fuse_entry_out>().attr.nlink, 2u);
  EXPECT_EQ(Stat(share_ + "/hard").st_ino, Stat(share_ + "/f").st_ino);
  EXPECT_EQ(client().Link(kRoot, kRoot, "dirlink").error, EPERM);

  Reply sym = client().Symlink(kRoot, "sym", "some/where");
  ASSERT_EQ(sym.error, 0);
  char target[64] = {};
  ASSERT_GT(readlink((share_ + "/sym").c_str(), target, sizeof target), 0);
  EXPECT_STREQ(target, "some/where");
  uint64_t s = sym.As<fuse_entry_out>().nodeid;
  EXPECT_TRUE(S_ISLNK(sym.As<fuse_entry_out>().attr.mode));
  EXPECT_EQ(client().Call(FUSE_READLINK, s, {}).Text(), "some/where");
  EXPECT_EQ(client().Call(FUSE_READLINK, f, {}).error, EINVAL);
  EXPECT_EQ(client().Symlink(kRoot, "empty", "").error, EINVAL);
  EXPECT_EQ(client().Open(s, O_RDONLY).error, ELOOP);
}

TEST_F(FuseServerTest, ReadDirAndReadDirPlusListTheHostDirectory) {
  std::set<std::string> expected = {".", ".."};
  for (int i = 0; i < 60; ++i) {
    std::string name = "entry-with-a-longish-name-" + std::to_string(i);
    PutFile(share_ + "/" + name, "x");
    expected.insert(name);
  }
  ASSERT_EQ(mkdir((share_ + "/sub").c_str(), 0755), 0);
  expected.insert("sub");
  Serve();
  for (bool plus : {false, true}) {
    for (uint32_t chunk : {256u, 65536u}) {  // small chunks resume from the cookies
      std::vector<fuse_entry_out> entries;
      auto names = client().List(kRoot, plus, chunk, &entries);
      EXPECT_EQ(names.size(), expected.size()) << plus << " " << chunk;
      EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), expected);
      if (!plus) continue;
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == "." || names[i] == "..") {
          EXPECT_EQ(entries[i].nodeid, 0u);
        } else {
          EXPECT_EQ(entries[i].nodeid, client().Lookup(kRoot, names[i]));
          EXPECT_EQ(entries[i].attr.ino, Stat(share_ + "/" + names[i]).st_ino);
        }
      }
    }
  }
  uint64_t fh = client().OpenDir(kRoot).As<fuse_open_out>().fh;
  EXPECT_EQ(client().Read(kRoot, fh, 0, 100).error, EBADF);  // a directory handle is not a file handle
  EXPECT_EQ(client().Call(FUSE_FSYNCDIR, kRoot, Struct(fuse_fsync_in{fh, 0, 0})).error, 0);
  EXPECT_EQ(client().Release(kRoot, fh, FUSE_RELEASE).error, EBADF);
  EXPECT_EQ(client().Release(kRoot, fh, FUSE_RELEASEDIR).error, 0);
  EXPECT_EQ(client().OpenDir(client().Lookup(kRoot, "entry-with-a-longish-name-1")).error, ENOTDIR);
  EXPECT_EQ(client().OpenDir(client().Lookup(kRoot, "sub")).error, 0);
}

TEST_F(FuseServerTest, StatfsMatchesTheHost) {
  Serve();
  Reply r = client().Call(FUSE_STATFS, kRoot, {});
  ASSERT_EQ(r.error, 0);
  struct statvfs host;
  ASSERT_EQ(statvfs(share_.c_str(), &host), 0);
  auto out = r.As<fuse_statfs_out>();
  EXPECT_EQ(out.st.blocks, host.f_blocks);
  EXPECT_EQ(out.st.bsize, host.f_bsize);
  EXPECT_EQ(out.st.namelen, host.f_namemax);
  EXPECT_EQ(out.st.files, host.f_files);
}

TEST_F(FuseServerTest, AccessChecksTheHost) {
  PutFile(share_ + "/f", "x");
  Serve();
  uint64_t f = client().Lookup(kRoot, "f");
  EXPECT_EQ(client().Call(FUSE_ACCESS, f, Struct(fuse_access_in{R_OK | W_OK, 0})).error, 0);
  EXPECT_EQ(client().Call(FUSE_ACCESS, f, Struct(fuse_access_in{X_OK, 0})).error, EACCES);
  EXPECT_EQ(client().Call(FUSE_ACCESS, f, Struct(fuse_access_in{0x100, 0})).error, EINVAL);
}

TEST_F(FuseServerTest, XattrsWithSizeProbes) {
  PutFile(share_ + "/f", "x");
  if (setxattr((share_ + "/f").c_str(), "user.probe", "1", 1, 0) != 0) GTEST_SKIP() << "no user xattrs here";
  removexattr((share_ + "/f").c_str(), "user.probe");
  Serve();
  uint64_t f = client().Lookup(kRoot, "f");
  auto set = [&](const std::string& name, const std::string& value, uint32_t flags) {
    uint32_t header[2] = {static_cast<uint32_t>(value.size()), flags};
    return client().Call(FUSE_SETXATTR, f, Cat({Bytes(reinterpret_cast<uint8_t*>(header),
                                                      reinterpret_cast<uint8_t*>(header) + 8),
                                                Str(name), Raw(value)}));
  };
  auto get = [&](const std::string& name, uint32_t size) {
    return client().Call(FUSE_GETXATTR, f, Cat({Struct(fuse_getxattr_in{size, 0}), Str(name)}));
  };
  ASSERT_EQ(set("user.color", "blue", 0).error, 0);
  char host[16] = {};
  EXPECT_EQ(getxattr((share_ + "/f").c_str(), "user.color", host, sizeof host), 4);
  EXPECT_STREQ(host, "blue");
  EXPECT_EQ(set("user.color", "red", XATTR_CREATE).error, EEXIST);
  EXPECT_EQ(set("user.other", "red", XATTR_REPLACE).error, ENODATA);
  EXPECT_EQ(set("trusted.x", "1", 0).error, EPERM);
  EXPECT_EQ(set("security.capability", "1", 0).error, EPERM);
  EXPECT_EQ(set("system.posix_acl_access", "1", 0).error, EOPNOTSUPP);
  EXPECT_EQ(get("user.color", 0).As<fuse_getxattr_out>().size, 4u);  // the probe
  EXPECT_EQ(get("user.color", 64).Text(), "blue");
  EXPECT_EQ(get("user.color", 2).error, ERANGE);
  EXPECT_EQ(get("user.none", 64).error, ENODATA);

  Reply probe = client().Call(FUSE_LISTXATTR, f, Struct(fuse_getxattr_in{0, 0}));
  ASSERT_EQ(probe.error, 0);
  uint32_t list_size = probe.As<fuse_getxattr_out>().size;
  Reply list = client().Call(FUSE_LISTXATTR, f, Struct(fuse_getxattr_in{list_size, 0}));
  EXPECT_NE(list.Text().find("user.color"), std::string::npos);
  EXPECT_EQ(client().Call(FUSE_LISTXATTR, f, Struct(fuse_getxattr_in{1, 0})).error, ERANGE);

  EXPECT_EQ(client().Call(FUSE_REMOVEXATTR, f, Str("user.color")).error, 0);
  EXPECT_EQ(client().Call(FUSE_REMOVEXATTR, f, Str("user.color")).error, ENODATA);
  EXPECT_EQ(client().Call(FUSE_REMOVEXATTR, f, Str("trusted.x")).error, EPERM);
}

TEST_F(FuseServerTest, LseekFindsDataAndHoles) {
  Serve();
  Reply created = client().Create(kRoot, "sparse", O_RDWR, 0644);
  uint64_t node = created.As<fuse_entry_out>().nodeid;
  uint64_t fh = created.As<fuse_open_out>(sizeof(fuse_entry_out)).fh;
  constexpr uint64_t kFar = 8 << 20;
  ASSERT_EQ(client().Write(node, fh, kFar, std::string(4096, 'z')).error, 0);
  auto seek = [&](uint64_t offset, uint32_t whence) {
    return client().Call(FUSE_LSEEK, node, Struct(fuse_lseek_in{fh, offset, whence, 0}));
  };
  int host = open((share_ + "/sparse").c_str(), O_RDONLY);
  off_t host_data = lseek(host, 0, SEEK_DATA);
  off_t host_hole = lseek(host, 0, SEEK_HOLE);
  close(host);
  EXPECT_EQ(seek(0, SEEK_DATA).As<fuse_lseek_out>().offset, static_cast<uint64_t>(host_data));
  EXPECT_EQ(seek(0, SEEK_HOLE).As<fuse_lseek_out>().offset, static_cast<uint64_t>(host_hole));
  EXPECT_EQ(seek(0, SEEK_END).As<fuse_lseek_out>().offset, kFar + 4096);
  EXPECT_EQ(seek(kFar + 4096, SEEK_DATA).error, ENXIO);
  EXPECT_EQ(seek(0, 77).error, EINVAL);
}

TEST_F(FuseServerTest, FallocateExtendsAndPunches) {
  Serve();
  Reply created = client().Create(kRoot, "f", O_RDWR, 0644);
  uint64_t node = created.As<fuse_entry_out>().nodeid;
  uint64_t fh = created.As<fuse_open_out>(sizeof(fuse_entry_out)).fh;
  ASSERT_EQ(client().Call(FUSE_FALLOCATE, node, Struct(fuse_fallocate_in{fh, 0, 65536, 0, 0})).error, 0);
  EXPECT_EQ(Stat(share_ + "/f").st_size, 65536);
  uint32_t punch = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
  EXPECT_EQ(client().Call(FUSE_FALLOCATE, node, Struct(fuse_fallocate_in{fh, 0, 4096, punch, 0})).error, 0);
  EXPECT_EQ(Stat(share_ + "/f").st_size, 65536);
  EXPECT_EQ(client().Call(FUSE_FALLOCATE, node, Struct(fuse_fallocate_in{fh, ~0ULL, 1, 0, 0})).error, EINVAL);
  EXPECT_EQ(client().Call(FUSE_FALLOCATE, node, Struct(fuse_fallocate_in{fh + 100, 0, 1, 0, 0})).error, EBADF);
}

TEST_F(FuseServerTest, ForgetDropsNodesAndTheirIdsGoStale) {
  PutFile(share_ + "/f", "x");
  PutFile(share_ + "/g", "y");
  Serve();
  size_t base = server_->node_count();
  uint64_t f = client().Lookup(kRoot, "f");
  client().Lookup(kRoot, "f");
  uint64_t g = client().Lookup(kRoot, "g");
  EXPECT_EQ(server_->node_count(), base + 2);
  client().Forget(f, 1);
  EXPECT_EQ(client().GetAttr(f).error, 0);  // one lookup left
  Reply none = client().Call(FUSE_FORGET, f, Struct(fuse_forget_in{1}));
  EXPECT_EQ(none.written, 0u);  // FORGET is never answered
  EXPECT_EQ(client().GetAttr(f).error, ESTALE);
  EXPECT_NE(client().Lookup(kRoot, "f"), f);  // a new id, never the old one

  fuse_batch_forget_in batch = {1, 0};
  fuse_forget_one one = {g, 1};
  EXPECT_EQ(client().Call(FUSE_BATCH_FORGET, 0, Cat({Struct(batch), Struct(one)})).written, 0u);
  EXPECT_EQ(client().GetAttr(g).error, ESTALE);
  client().Forget(kRoot, 1000);  // the root is never forgotten
  EXPECT_EQ(client().GetAttr(kRoot).error, 0);
  EXPECT_EQ(client().Call(FUSE_INTERRUPT, 0, Struct(fuse_interrupt_in{7})).written, 0u);
}

}  // namespace
}  // namespace tinyrange::virtio::fs::testing
