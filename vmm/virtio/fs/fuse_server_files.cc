// Open files: OPEN and CREATE make handles; READ and WRITE move data
// straight between the file and the request's buffers.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "vmm/virtio/fs/fuse_message.h"
#include "vmm/virtio/fs/fuse_server.h"
#include "vmm/virtio/fs/host_fs.h"

namespace tinyrange::virtio::fs {

namespace {

// The guest's open flags the host honours; the rest (O_CREAT, O_EXCL,
// O_NOFOLLOW, O_NOCTTY, O_DIRECT, ...) are the guest kernel's business
// or handled by the server itself. Returns false for an impossible
// access mode.
bool HostOpenFlags(uint32_t guest, int* out) {
  if ((guest & O_ACCMODE) == O_ACCMODE) return false;
  *out = static_cast<int>(guest & (O_ACCMODE | O_APPEND | O_TRUNC | O_SYNC | O_DSYNC));
  return true;
}

bool Modifies(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC); }

// Only regular files are opened for the guest: the guest kernel handles
// its own FIFOs and device nodes, and a host device or FIFO in the share
// must never be opened by the VMM.
int RegularFileError(mode_t type) {
  if (type == S_IFREG) return 0;
  if (type == S_IFDIR) return EISDIR;
  if (type == S_IFLNK) return ELOOP;
  return EACCES;
}

constexpr uint64_t kMaxOffset = static_cast<uint64_t>(INT64_MAX);

}  // namespace

int FuseServer::OpenFile(FuseRequest& r, FuseReply& reply) {
  fuse_open_in in;
  int flags;
  if (!r.args.Take(&in) || !HostOpenFlags(in.flags, &flags)) return EINVAL;
  if (read_only_ && Modifies(flags)) return EROFS;
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  if (int error = RegularFileError(node->type)) return error;
  int fd = Reopen(node->fd.get(), flags);
  if (fd < 0) return -fd;
  fuse_open_out out = {};
  out.fh = handles_.Add(ScopedFd(fd), false);
  reply.Append(out);
  return 0;
}

int FuseServer::Create(FuseRequest& r, FuseReply& reply) {
  if (read_only_) return EROFS;
  fuse_create_in in;
  std::string name;
  int flags;
  if (!r.args.Take(&in) || !r.args.TakeName(&name) || !HostOpenFlags(in.flags, &flags)) return EINVAL;
  const Inode* parent;
  if (int error = FindDirectory(r.header.nodeid, &parent)) return error;
  mode_t mode = in.mode & 07777;
  int fd = OpenBeneath(parent->fd.get(), name.c_str(), flags | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  bool created = fd >= 0;
  if (fd == -EEXIST && !(in.flags & O_EXCL)) {
    int existing_fd = OpenBeneath(parent->fd.get(), name.c_str(), O_PATH | O_NOFOLLOW, 0);
    if (existing_fd < 0) return -existing_fd;
    ScopedFd existing(existing_fd);
    struct stat st;
    if (fstat(existing.get(), &st) != 0) return errno;
    if (int error = RegularFileError(st.st_mode & S_IFMT)) return error;
    fd = Reopen(existing.get(), flags);
  }
  if (fd < 0) return -fd;
  ScopedFd file(fd);
  int path_fd = Reopen(file.get(), O_PATH);
  if (path_fd < 0) return -path_fd;
  ScopedFd node(path_fd);
  if (created) {
    GiveToCaller(r, parent->fd.get(), node.get());
    // Only the guest's umask applies, and it already has.
    if (fchmod(file.get(), mode) != 0) return errno;
  }
  fuse_entry_out entry;
  if (int error = EntryFromFd(std::move(node), &entry)) return error;
  fuse_open_out open = {};
  open.fh = handles_.Add(std::move(file), false);
  reply.Append(entry);
  reply.Append(open);
  return 0;
}

int FuseServer::Read(FuseRequest& r, FuseReply& reply) {
  fuse_read_in in;
  if (!r.args.Take(&in) || in.offset > kMaxOffset) return EINVAL;
  int fd;
  if (int error = FindHandle(in.fh, false, &fd)) return error;
  uint64_t room = r.buffers.writable_size();
  if (room < sizeof(fuse_out_header)) return EINVAL;
  uint64_t size = std::min<uint64_t>(in.size, room - sizeof(fuse_out_header));
  std::vector<iovec> iov;
  if (!r.buffers.Iovecs(true, sizeof(fuse_out_header), size, &iov) || iov.size() > IOV_MAX) return EINVAL;
  ssize_t n = iov.empty() ? 0 : preadv(fd, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(in.offset));
  if (n < 0) return errno;
  reply.direct_bytes = static_cast<uint64_t>(n);
  return 0;
}

int FuseServer::Write(FuseRequest& r, FuseReply& reply) {
  if (read_only_) return EROFS;
  fuse_write_in in;
  if (!r.args.Take(&in) || in.offset > kMaxOffset || in.size > kFuseMaxWrite) return EINVAL;
  uint64_t payload = sizeof(fuse_in_header) + sizeof(fuse_write_in);
  if (r.header.len < payload || in.size > r.header.len - payload) return EINVAL;
  int fd;
  if (int error = FindHandle(in.fh, false, &fd)) return error;
  std::vector<iovec> iov;
  if (!r.buffers.Iovecs(false, payload, in.size, &iov) || iov.size() > IOV_MAX) return EINVAL;
  ssize_t n = iov.empty() ? 0 : pwritev(fd, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(in.offset));
  if (n < 0) return errno;
  fuse_write_out out = {};
  out.size = static_cast<uint32_t>(n);
  reply.Append(out);
  return 0;
}

int FuseServer::Flush(FuseRequest& r) {
  fuse_flush_in in;
  if (!r.args.Take(&in)) return EINVAL;
  int fd;
  if (int error = FindHandle(in.fh, false, &fd)) return error;
  // The guest closed one of its descriptors: closing a duplicate gives the
  // host the same close-time effects (POSIX locks, NFS flush) without
  // giving up the handle.
  int copy = dup(fd);
  if (copy < 0) return errno;
  return close(copy) == 0 ? 0 : errno;
}

int FuseServer::Release(FuseRequest& r, bool directory) {
  fuse_release_in in;
  if (!r.args.Take(&in)) return EINVAL;
  return handles_.Remove(in.fh, directory) ? 0 : EBADF;
}

int FuseServer::Fsync(FuseRequest& r, bool directory) {
  fuse_fsync_in in;
  if (!r.args.Take(&in)) return EINVAL;
  int fd;
  if (int error = FindHandle(in.fh, directory, &fd)) return error;
  int result = (in.fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(fd) : fsync(fd);
  return result == 0 ? 0 : errno;
}

int FuseServer::Seek(FuseRequest& r, FuseReply& reply) {
  fuse_lseek_in in;
  if (!r.args.Take(&in)) return EINVAL;
  if (in.whence != SEEK_SET && in.whence != SEEK_CUR && in.whence != SEEK_END && in.whence != SEEK_DATA &&
      in.whence != SEEK_HOLE) {
    return EINVAL;
  }
  int fd;
  if (int error = FindHandle(in.fh, false, &fd)) return error;
  off_t at = lseek(fd, static_cast<off_t>(in.offset), static_cast<int>(in.whence));
  if (at < 0) return errno;
  fuse_lseek_out out = {};
  out.offset = static_cast<uint64_t>(at);
  reply.Append(out);
  return 0;
}

int FuseServer::Allocate(FuseRequest& r) {
  if (read_only_) return EROFS;
  fuse_fallocate_in in;
  if (!r.args.Take(&in) || in.offset > kMaxOffset || in.length > kMaxOffset) return EINVAL;
  int fd;
  if (int error = FindHandle(in.fh, false, &fd)) return error;
  int result = fallocate(fd, static_cast<int>(in.mode), static_cast<off_t>(in.offset), static_cast<off_t>(in.length));
  return result == 0 ? 0 : errno;
}

}  // namespace tinyrange::virtio::fs
