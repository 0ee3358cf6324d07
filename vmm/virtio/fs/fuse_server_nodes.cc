// Name and attribute operations: everything that looks up, creates,
// changes or removes directory entries and inode metadata.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>

#include "vmm/virtio/fs/fuse_message.h"
#include "vmm/virtio/fs/fuse_server.h"
#include "vmm/virtio/fs/host_fs.h"

namespace tinyrange::virtio::fs {

namespace {

constexpr long kNanosecondsPerSecond = 1000000000;

int ErrnoOf(int result) { return result == 0 ? 0 : errno; }

}  // namespace

int FuseServer::Lookup(FuseRequest& r, FuseReply& reply) {
  std::string name;
  if (!r.args.TakeName(&name)) return EINVAL;
  const Inode* parent;
  if (int error = FindDirectory(r.header.nodeid, &parent)) return error;
  fuse_entry_out out;
  if (int error = LookupEntry(*parent, name, &out)) return error;
  reply.Append(out);
  return 0;
}

int FuseServer::ReplyAttr(int fd, FuseReply& reply) const {
  struct stat st;
  if (fstat(fd, &st) != 0) return errno;
  fuse_attr_out out = {};
  out.attr_valid = kAttrValidSeconds;
  FillAttr(st, &out.attr);
  reply.Append(out);
  return 0;
}

int FuseServer::GetAttr(FuseRequest& r, FuseReply& reply) {
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  return ReplyAttr(node->fd.get(), reply);
}

int FuseServer::SetAttr(FuseRequest& r, FuseReply& reply) {
  fuse_setattr_in in;
  if (!r.args.Take(&in)) return EINVAL;
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  constexpr uint32_t kChanges = FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_SIZE | FATTR_ATIME | FATTR_MTIME |
                                FATTR_ATIME_NOW | FATTR_MTIME_NOW | FATTR_CTIME;
  if (read_only_ && (in.valid & kChanges)) return EROFS;
  std::string path = ProcFdPath(node->fd.get());

  if (in.valid & FATTR_MODE) {
    if (chmod(path.c_str(), in.mode & 07777) != 0) return errno;
  }
  if (in.valid & (FATTR_UID | FATTR_GID)) {
    uid_t uid = (in.valid & FATTR_UID) ? ids_.UidToHost(in.uid) : static_cast<uid_t>(-1);
    gid_t gid = (in.valid & FATTR_GID) ? ids_.GidToHost(in.gid) : static_cast<gid_t>(-1);
    if (fchownat(node->fd.get(), "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return errno;
  }
  if (in.valid & FATTR_SIZE) {
    if (in.size > static_cast<uint64_t>(INT64_MAX)) return EINVAL;
    if (node->type != S_IFREG) return node->type == S_IFDIR ? EISDIR : EINVAL;
    int fd = -1;
    if (in.valid & FATTR_FH) {
      if (int error = FindHandle(in.fh, false, &fd)) return error;
    }
    int result = fd >= 0 ? ftruncate(fd, static_cast<off_t>(in.size))
                         : truncate(path.c_str(), static_cast<off_t>(in.size));
    if (result != 0) return errno;
  }
  if (in.valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) {
    timespec times[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    auto pick = [](bool now, bool set, uint64_t seconds, uint32_t nanoseconds, timespec* out) {
      if (now) {
        out->tv_nsec = UTIME_NOW;
      } else if (set) {
        if (nanoseconds >= kNanosecondsPerSecond || seconds > static_cast<uint64_t>(INT64_MAX)) return false;
        *out = {static_cast<time_t>(seconds), static_cast<long>(nanoseconds)};
      }
      return true;
    };
    if (!pick(in.valid & FATTR_ATIME_NOW, in.valid & FATTR_ATIME, in.atime, in.atimensec, &times[0]) ||
        !pick(in.valid & FATTR_MTIME_NOW, in.valid & FATTR_MTIME, in.mtime, in.mtimensec, &times[1])) {
      return EINVAL;
    }
    // Through /proc the kernel lands on the inode itself, a symlink too.
    if (utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) return errno;
  }
  return ReplyAttr(node->fd.get(), reply);
}

int FuseServer::ReadLink(FuseRequest& r, FuseReply& reply) {
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  if (node->type != S_IFLNK) return EINVAL;
  char target[PATH_MAX];
  ssize_t n = readlinkat(node->fd.get(), "", target, sizeof target);
  if (n < 0) return errno;
  reply.AppendBytes(std::span(reinterpret_cast<const uint8_t*>(target), static_cast<size_t>(n)));
  return 0;
}

int FuseServer::Symlink(FuseRequest& r, FuseReply& reply) {
  if (read_only_) return EROFS;
  std::string name, target;
  // The target is stored, never followed by the host: any content will do.
  if (!r.args.TakeName(&name) || !r.args.TakeString(&target, PATH_MAX - 1) || target.empty()) return EINVAL;
  const Inode* parent;
  if (int error = FindDirectory(r.header.nodeid, &parent)) return error;
  if (symlinkat(target.c_str(), parent->fd.get(), name.c_str()) != 0) return errno;
  fuse_entry_out out;
  if (int error = FinishCreated(r, *parent, name, 0, &out)) return error;
  reply.Append(out);
  return 0;
}

int FuseServer::MakeNode(FuseRequest& r, FuseReply& reply) {
  if (read_only_) return EROFS;
  fuse_mknod_in in;
  std::string name;
  if (!r.args.Take(&in) || !r.args.TakeName(&name)) return EINVAL;
  mode_t type = in.mode & S_IFMT;
  // Device nodes would be host devices: never made, even by a root VMM.
  if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK) return EPERM;
  const Inode* parent;
  if (int error = FindDirectory(r.header.nodeid, &parent)) return error;
  if (mknodat(parent->fd.get(), name.c_str(), type | (in.mode & 07777), 0) != 0) return errno;
  fuse_entry_out out;
  if (int error = FinishCreated(r, *parent, name, in.mode, &out)) return error;
  reply.Append(out);
  return 0;
}

int FuseServer::MakeDirectory(FuseRequest& r, FuseReply& reply) {
  if (read_only_) return EROFS;
  fuse_mkdir_in in;
  std::string name;
  if (!r.args.Take(&in) || !r.args.TakeName(&name)) return EINVAL;
  const Inode* parent;
  if (int error = FindDirectory(r.header.nodeid, &parent)) return error;
  if (mkdirat(parent->fd.get(), name.c_str(), in.mode & 07777) != 0) return errno;
  fuse_entry_out out;
  if (int error = FinishCreated(r, *parent, name, in.mode, &out)) return error;
  reply.Append(out);
  return 0;
}

int FuseServer::Remove(FuseRequest& r, bool directory) {
  if (read_only_) return EROFS;
  std::string name;
  if (!r.args.TakeName(&name)) return EINVAL;
  const Inode* parent;
  if (int error = FindDirectory(r.header.nodeid, &parent)) return error;
  return ErrnoOf(unlinkat(parent->fd.get(), name.c_str(), directory ? AT_REMOVEDIR : 0));
}

int FuseServer::Rename(FuseRequest& r, bool with_flags) {
  if (read_only_) return EROFS;
  uint64_t new_parent_id;
  uint32_t flags = 0;
  if (with_flags) {
    fuse_rename2_in in;
    if (!r.args.Take(&in)) return EINVAL;
    new_parent_id = in.newdir;
    flags = in.flags;
  } else {
    fuse_rename_in in;
    if (!r.args.Take(&in)) return EINVAL;
    new_parent_id = in.newdir;
  }
  std::string old_name, new_name;
  if (!r.args.TakeName(&old_name) || !r.args.TakeName(&new_name)) return EINVAL;
  if (flags & ~static_cast<uint32_t>(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return EINVAL;
  const Inode* old_parent;
  const Inode* new_parent;
  if (int error = FindDirectory(r.header.nodeid, &old_parent)) return error;
  if (int error = FindDirectory(new_parent_id, &new_parent)) return error;
  return ErrnoOf(
      renameat2(old_parent->fd.get(), old_name.c_str(), new_parent->fd.get(), new_name.c_str(), flags));
}

int FuseServer::Link(FuseRequest& r, FuseReply& reply) {
  if (read_only_) return EROFS;
  fuse_link_in in;
  std::string name;
  if (!r.args.Take(&in) || !r.args.TakeName(&name)) return EINVAL;
  const Inode* target;
  const Inode* parent;
  if (int error = FindNode(in.oldnodeid, &target)) return error;
  if (target->type == S_IFDIR) return EPERM;
  if (int error = FindDirectory(r.header.nodeid, &parent)) return error;
  // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc
  // link names the same inode (a symlink is linked, not followed).
  if (linkat(AT_FDCWD, ProcFdPath(target->fd.get()).c_str(), parent->fd.get(), name.c_str(), AT_SYMLINK_FOLLOW) !=
      0) {
    return errno;
  }
  fuse_entry_out out;
  if (int error = LookupEntry(*parent, name, &out)) return error;
  reply.Append(out);
  return 0;
}

int FuseServer::Access(FuseRequest& r) {
  fuse_access_in in;
  if (!r.args.Take(&in)) return EINVAL;
  if (in.mask & ~static_cast<uint32_t>(R_OK | W_OK | X_OK)) return EINVAL;
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  if (read_only_ && (in.mask & W_OK)) return EROFS;
  if (node->type == S_IFLNK) return 0;  // a symlink's permissions are never checked
  return ErrnoOf(access(ProcFdPath(node->fd.get()).c_str(), static_cast<int>(in.mask)));
}

int FuseServer::StatFs(FuseRequest& r, FuseReply& reply) {
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  struct statfs st;
  if (fstatfs(node->fd.get(), &st) != 0) return errno;
  fuse_statfs_out out = {};
  out.st.blocks = st.f_blocks;
  out.st.bfree = st.f_bfree;
  out.st.bavail = st.f_bavail;
  out.st.files = st.f_files;
  out.st.ffree = st.f_ffree;
  out.st.bsize = static_cast<uint32_t>(st.f_bsize);
  out.st.namelen = static_cast<uint32_t>(st.f_namelen);
  out.st.frsize = static_cast<uint32_t>(st.f_frsize);
  reply.Append(out);
  return 0;
}

}  // namespace tinyrange::virtio::fs
