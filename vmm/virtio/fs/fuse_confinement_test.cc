// The guest must never reach a host path outside the share: not through
// "..", names with '/', symlinks (its own or the host's), directories
// moved out of the share, stale or forged node ids and handles.
#include <fcntl.h>
#include <sys/xattr.h>

#include "vmm/virtio/fs/fuse_test_fixture.h"

namespace tinyrange::virtio::fs::testing {
namespace {

constexpr uint64_t kRoot = 1;

using FuseConfinementTest = FuseShareTest;

TEST_F(FuseConfinementTest, NamesThatAreNotOneComponentAreInvalid) {
  Serve();
  for (const std::string& name : std::vector<std::string>{"..", ".", "", "../outside", "a/b", "/etc", std::string(256, 'n')}) {
    int error;
    client().Lookup(kRoot, name, &error);
    EXPECT_EQ(error, EINVAL) << name;
    EXPECT_EQ(client().Create(kRoot, name, O_RDWR, 0644).error, EINVAL) << name;
    EXPECT_EQ(client().Mkdir(kRoot, name, 0755).error, EINVAL) << name;
    EXPECT_EQ(client().Symlink(kRoot, name, "x").error, EINVAL) << name;
    EXPECT_EQ(client().Rename2(kRoot, "x", kRoot, name, 0).error, EINVAL) << name;
  }
  // A name that is not NUL-terminated within the request.
  EXPECT_EQ(client().Call(FUSE_LOOKUP, kRoot, Raw("secret")).error, EINVAL);
  // A NUL inside: only "a" counts, and the rest is left over, harmlessly.
  int error;
  client().Lookup(kRoot, std::string("a\0/../outside", 13), &error);
  EXPECT_EQ(error, ENOENT);
}

TEST_F(FuseConfinementTest, SymlinksAreNeverFollowedByTheHost) {
  ASSERT_EQ(symlink("/", (share_ + "/to_root").c_str()), 0);
  ASSERT_EQ(symlink("../../", (share_ + "/to_up").c_str()), 0);
  ASSERT_EQ(symlink(outside_.c_str(), (share_ + "/to_outside").c_str()), 0);
  ASSERT_EQ(symlink((outside_ + "/secret").c_str(), (share_ + "/to_secret").c_str()), 0);
  Serve();
  for (std::string link : {"to_root", "to_up", "to_outside"}) {
    fuse_entry_out entry;
    int error;
    uint64_t node = client().Lookup(kRoot, link, &error, &entry);
    ASSERT_EQ(error, 0);
    EXPECT_TRUE(S_ISLNK(entry.attr.mode));  // the link itself
    client().Lookup(node, "secret", &error);
    EXPECT_EQ(error, ENOTDIR) << link;
    client().Lookup(node, "etc", &error);
    EXPECT_EQ(error, ENOTDIR) << link;
    EXPECT_EQ(client().OpenDir(node).error, ENOTDIR);
    EXPECT_EQ(client().Create(node, "planted", O_RDWR, 0644).error, ENOTDIR);
    EXPECT_EQ(client().Mkdir(node, "planted", 0755).error, ENOTDIR);
  }
  EXPECT_FALSE(Exists(outside_ + "/planted"));

  // The guest's own symlink to a host file: readable as a link, never opened.
  uint64_t sym = client().Symlink(kRoot, "mine", outside_ + "/secret").As<fuse_entry_out>().nodeid;
  uint64_t host_sym = client().Lookup(kRoot, "to_secret");
  for (uint64_t node : {sym, host_sym}) {
    EXPECT_EQ(client().Call(FUSE_READLINK, node, {}).Text(), outside_ + "/secret");
    EXPECT_EQ(client().Open(node, O_RDONLY).error, ELOOP);
    EXPECT_EQ(client().Open(node, O_RDWR | O_TRUNC).error, ELOOP);
    fuse_setattr_in in = {};
    in.valid = FATTR_SIZE;
    EXPECT_NE(client().SetAttr(node, in).error, 0);
    in.valid = FATTR_MODE;
    in.mode = 0777;
    client().SetAttr(node, in);
    in.valid = FATTR_MTIME;
    in.mtime = 12345;
    client().SetAttr(node, in);  // may apply to the link itself, never to its target
    uint32_t header[2] = {1, 0};
    client().Call(FUSE_SETXATTR, node,
                  Cat({Bytes(reinterpret_cast<uint8_t*>(header), reinterpret_cast<uint8_t*>(header) + 8),
                       Str("user.x"), Raw("1")}));
    // A hard link of the link is another link, not the target.
    Reply hard = client().Link(node, kRoot, "hard" + std::to_string(node));
    if (hard.error == 0) {
      EXPECT_TRUE(S_ISLNK(hard.As<fuse_entry_out>().attr.mode));
    }
  }
  // Creating through the name of a symlink opens nothing behind it.
  EXPECT_EQ(client().Create(kRoot, "to_secret", O_RDWR | O_TRUNC, 0644).error, ELOOP);
  EXPECT_EQ(client().Create(kRoot, "mine", O_RDWR | O_TRUNC, 0644).error, ELOOP);
  EXPECT_EQ(GetFile(outside_ + "/secret"), "secret");
  struct stat st = Stat(outside_ + "/secret");
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_NE(st.st_mtim.tv_sec, 12345);
  char value[4];
  EXPECT_LT(getxattr((outside_ + "/secret").c_str(), "user.x", value, sizeof value), 0);
}

TEST_F(FuseConfinementTest, ADirectoryMovedOutOfTheShareGoesStale) {
  ASSERT_EQ(mkdir((share_ + "/d").c_str(), 0755), 0);
  PutFile(share_ + "/d/inner", "inner");
  Serve();
  uint64_t d = client().Lookup(kRoot, "d");
  uint64_t inner = client().Lookup(d, "inner");
  uint64_t fh = client().OpenDir(d).As<fuse_open_out>().fh;
  // The host moves the directory out while the guest holds it.
  ASSERT_EQ(rename((share_ + "/d").c_str(), (outside_ + "/d").c_str()), 0);
  int error;
  client().Lookup(d, "inner", &error);
  EXPECT_EQ(error, ESTALE);
  EXPECT_EQ(client().GetAttr(d).error, ESTALE);
  EXPECT_EQ(client().GetAttr(inner).error, ESTALE);
  EXPECT_EQ(client().Open(inner, O_RDONLY).error, ESTALE);
  EXPECT_EQ(client().OpenDir(d).error, ESTALE);
  EXPECT_EQ(client().Read(d, fh, 0, 4096, FUSE_READDIR).error, ESTALE);
  EXPECT_EQ(client().Create(d, "planted", O_RDWR, 0644).error, ESTALE);
  EXPECT_EQ(client().Link(inner, kRoot, "pulled_in").error, ESTALE);
  EXPECT_EQ(client().Rename2(d, "inner", kRoot, "pulled_in", 0).error, ESTALE);
  EXPECT_FALSE(Exists(outside_ + "/d/planted"));
  EXPECT_FALSE(Exists(share_ + "/pulled_in"));
  // Moved back, it is the guest's again.
  ASSERT_EQ(rename((outside_ + "/d").c_str(), (share_ + "/d").c_str()), 0);
  EXPECT_EQ(client().GetAttr(inner).error, 0);
}

TEST_F(FuseConfinementTest, AnOpenFileMovedOutOfTheShareGoesStale) {
  PutFile(share_ + "/f", "inside");
  Serve();
  uint64_t f = client().Lookup(kRoot, "f");
  uint64_t fh = client().Open(f, O_RDWR).As<fuse_open_out>().fh;
  ASSERT_EQ(rename((share_ + "/f").c_str(), (outside_ + "/f").c_str()), 0);
  EXPECT_EQ(client().Read(f, fh, 0, 100).error, ESTALE);
  EXPECT_EQ(client().Write(f, fh, 0, "changed").error, ESTALE);
  EXPECT_EQ(client().Call(FUSE_FSYNC, f, Struct(fuse_fsync_in{fh, 0, 0})).error, ESTALE);
  EXPECT_EQ(client().Call(FUSE_LSEEK, f, Struct(fuse_lseek_in{fh, 0, SEEK_END, 0})).error, ESTALE);
  EXPECT_EQ(GetFile(outside_ + "/f"), "inside");
  EXPECT_EQ(client().Release(f, fh).error, 0);  // letting go is always possible
}

TEST_F(FuseConfinementTest, ForgedAndStaleIdsAndHandlesFindNothing) {
  PutFile(share_ + "/f", "x");
  Serve();
  for (uint64_t id : {0ULL, 2ULL, 12345ULL, ~0ULL}) {
    EXPECT_EQ(client().GetAttr(id).error, ESTALE) << id;
    int error;
    client().Lookup(id, "f", &error);
    EXPECT_EQ(error, ESTALE);
    EXPECT_EQ(client().Link(id, kRoot, "l").error, ESTALE);
  }
  uint64_t f = client().Lookup(kRoot, "f");
  client().Forget(f, 1);
  EXPECT_EQ(client().Open(f, O_RDONLY).error, ESTALE);
  for (uint64_t fh : {0ULL, 99ULL, ~0ULL}) {
    EXPECT_EQ(client().Read(kRoot, fh, 0, 10).error, EBADF);
    EXPECT_EQ(client().Write(kRoot, fh, 0, "x").error, EBADF);
    EXPECT_EQ(client().Read(kRoot, fh, 0, 10, FUSE_READDIR).error, EBADF);
    EXPECT_EQ(client().Release(kRoot, fh).error, EBADF);
  }
}

TEST_F(FuseConfinementTest, HugeLengthsAndOffsetsAreRefused) {
  PutFile(share_ + "/f", "0123456789");
  Serve();
  uint64_t f = client().Lookup(kRoot, "f");
  uint64_t fh = client().Open(f, O_RDWR).As<fuse_open_out>().fh;
  EXPECT_EQ(client().Read(f, fh, 1ULL << 63, 10).error, EINVAL);
  EXPECT_EQ(client().Write(f, fh, ~0ULL, "x").error, EINVAL);
  // A READ larger than the reply room returns what fits.
  Reply big = client().Call(FUSE_READ, f, Struct(fuse_read_in{fh, 0, 0xffffffff, 0, 0, 0, 0}), 16 + 4);
  ASSERT_EQ(big.error, 0);
  EXPECT_EQ(big.Text(), "0123");
  // A WRITE claiming more payload than it carries.
  fuse_write_in in = {};
  in.fh = fh;
  in.size = 100;
  EXPECT_EQ(client().Call(FUSE_WRITE, f, Cat({Struct(in), Raw("short")})).error, EINVAL);
  in.size = 0xffffffff;
  EXPECT_EQ(client().Call(FUSE_WRITE, f, Cat({Struct(in), Raw("short")})).error, EINVAL);
  EXPECT_EQ(GetFile(share_ + "/f"), "0123456789");
  // An xattr value longer than what follows it.
  uint32_t header[2] = {0xffff, 0};
  EXPECT_EQ(client()
                .Call(FUSE_SETXATTR, f,
                      Cat({Bytes(reinterpret_cast<uint8_t*>(header), reinterpret_cast<uint8_t*>(header) + 8),
                           Str("user.x"), Raw("v")}))
                .error,
            EINVAL);
  EXPECT_EQ(client().Call(FUSE_GETXATTR, f, Cat({Struct(fuse_getxattr_in{0xffffffff, 0}), Str("user.x")})).error,
            ENODATA);
  // READDIR with a huge size is bounded by the reply room.
  uint64_t dh = client().OpenDir(kRoot).As<fuse_open_out>().fh;
  EXPECT_EQ(client().Call(FUSE_READDIR, kRoot, Struct(fuse_read_in{dh, 0, 0xffffffff, 0, 0, 0, 0}), 64).error, 0);
  // A batch forget promising more entries than it has: those present count.
  fuse_batch_forget_in batch = {0xffffffff, 0};
  EXPECT_EQ(client().Call(FUSE_BATCH_FORGET, 0, Cat({Struct(batch), Struct(fuse_forget_one{f, 1})})).written, 0u);
  EXPECT_EQ(client().GetAttr(f).error, ESTALE);
}

TEST_F(FuseConfinementTest, MalformedRequestsGetEinvalOrAreDropped) {
  Serve();
  // Not even a header: dropped.
  EXPECT_EQ(client().Send(Bytes(10, 0)).written, 0u);
  // A header whose length runs past the request.
  Bytes request = FuseTestClient::Request(FUSE_GETATTR, kRoot, Struct(fuse_getattr_in{}));
  request[0] = 0xff;
  request[1] = 0xff;
  Reply r = client().Send(request);
  EXPECT_EQ(r.error, EINVAL);
  EXPECT_EQ(r.written, sizeof(fuse_out_header));
  // A length shorter than the header itself.
  request[0] = 8;
  request[1] = 0;
  EXPECT_EQ(client().Send(request).error, EINVAL);
  // Arguments cut short.
  EXPECT_EQ(client().Call(FUSE_SETATTR, kRoot, Bytes(10, 0)).error, EINVAL);
  EXPECT_EQ(client().Call(FUSE_OPEN, kRoot, Bytes(3, 0)).error, EINVAL);
  EXPECT_EQ(client().Call(FUSE_RENAME2, kRoot, Bytes(16, 0)).error, EINVAL);
  // No room for a reply: nothing written.
  EXPECT_EQ(client().Send(FuseTestClient::Request(FUSE_GETATTR, kRoot, Struct(fuse_getattr_in{})), 8).written, 0u);
  // Room for the header but not the reply: an error the guest can read.
  Reply cramped = client().Send(FuseTestClient::Request(FUSE_GETATTR, kRoot, Struct(fuse_getattr_in{})), 20);
  EXPECT_EQ(cramped.error, EINVAL);
  // No room for the node a LOOKUP would hand out: refused, nothing counted.
  PutFile(share_ + "/f", "x");
  size_t nodes = server_->node_count();
  Reply no_room = client().Send(FuseTestClient::Request(FUSE_LOOKUP, kRoot, Str("f")), 100);
  EXPECT_EQ(no_room.error, EINVAL);
  EXPECT_EQ(server_->node_count(), nodes);
  Reply no_handle = client().Send(FuseTestClient::Request(FUSE_OPENDIR, kRoot, Struct(fuse_open_in{})), 20);
  EXPECT_EQ(no_handle.error, EINVAL);
  EXPECT_EQ(server_->handle_count(), 0u);
  // The reply carries the request's unique id.
  ByteFuseBuffers buffers(FuseTestClient::Request(FUSE_GETATTR, kRoot, Struct(fuse_getattr_in{}), 0xabcdef), 4096);
  ASSERT_GT(server_->Handle(buffers), 0u);
  fuse_out_header out;
  std::memcpy(&out, buffers.reply().data(), sizeof out);
  EXPECT_EQ(out.unique, 0xabcdefu);
}

TEST_F(FuseConfinementTest, ReadOnlyShareRefusesEveryChange) {
  PutFile(share_ + "/f", "keep");
  ASSERT_EQ(mkdir((share_ + "/d").c_str(), 0755), 0);
  Serve(/*read_only=*/true);
  uint64_t f = client().Lookup(kRoot, "f");
  uint64_t d = client().Lookup(kRoot, "d");
  EXPECT_EQ(client().Create(kRoot, "new", O_RDWR, 0644).error, EROFS);
  EXPECT_EQ(client().Create(kRoot, "new", O_RDONLY, 0644).error, EROFS);
  EXPECT_EQ(client().Mkdir(kRoot, "new", 0755).error, EROFS);
  EXPECT_EQ(client().Mknod(kRoot, "new", S_IFIFO | 0644).error, EROFS);
  EXPECT_EQ(client().Symlink(kRoot, "new", "f").error, EROFS);
  EXPECT_EQ(client().Link(f, kRoot, "new").error, EROFS);
  EXPECT_EQ(client().Call(FUSE_UNLINK, kRoot, Str("f")).error, EROFS);
  EXPECT_EQ(client().Call(FUSE_RMDIR, kRoot, Str("d")).error, EROFS);
  EXPECT_EQ(client().Rename2(kRoot, "f", d, "f", 0).error, EROFS);
  fuse_rename_in rename = {d};
  EXPECT_EQ(client().Call(FUSE_RENAME, kRoot, Cat({Struct(rename), Str("f"), Str("g")})).error, EROFS);
  for (uint32_t valid : {FATTR_MODE, FATTR_UID, FATTR_SIZE, FATTR_MTIME, FATTR_ATIME_NOW | FATTR_ATIME}) {
    fuse_setattr_in in = {};
    in.valid = valid;
    EXPECT_EQ(client().SetAttr(f, in).error, EROFS) << valid;
  }
  EXPECT_EQ(client().Open(f, O_WRONLY).error, EROFS);
  EXPECT_EQ(client().Open(f, O_RDWR).error, EROFS);
  EXPECT_EQ(client().Open(f, O_RDONLY | O_TRUNC).error, EROFS);
  uint32_t header[2] = {1, 0};
  EXPECT_EQ(client()
                .Call(FUSE_SETXATTR, f,
                      Cat({Bytes(reinterpret_cast<uint8_t*>(header), reinterpret_cast<uint8_t*>(header) + 8),
                           Str("user.x"), Raw("1")}))
                .error,
            EROFS);
  EXPECT_EQ(client().Call(FUSE_REMOVEXATTR, f, Str("user.x")).error, EROFS);
  EXPECT_EQ(client().Call(FUSE_ACCESS, f, Struct(fuse_access_in{W_OK, 0})).error, EROFS);

  // Reading still works, and a handle opened for reading cannot write.
  Reply opened = client().Open(f, O_RDONLY);
  ASSERT_EQ(opened.error, 0);
  uint64_t fh = opened.As<fuse_open_out>().fh;
  EXPECT_EQ(client().Read(f, fh, 0, 100).Text(), "keep");
  EXPECT_EQ(client().Write(f, fh, 0, "x").error, EROFS);
  EXPECT_EQ(client().Call(FUSE_FALLOCATE, f, Struct(fuse_fallocate_in{fh, 0, 10, 0, 0})).error, EROFS);
  EXPECT_EQ(client().List(kRoot, true).size(), 4u);
  EXPECT_EQ(GetFile(share_ + "/f"), "keep");
  EXPECT_FALSE(Exists(share_ + "/new"));
}

}  // namespace
}  // namespace tinyrange::virtio::fs::testing
