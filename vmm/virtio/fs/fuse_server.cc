#include "vmm/virtio/fs/fuse_server.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "vmm/virtio/fs/fuse_message.h"
#include "vmm/virtio/fs/host_fs.h"
#include "vmm/vmm_error.h"

namespace tinyrange::virtio::fs {

namespace {

// Virtio-fs appeared in Linux 5.4 speaking 7.31; older minors change
// structure sizes we do not want to carry compatibility code for.
constexpr uint32_t kOldestMinor = 31;
// The largest arguments any opcode has: SETXATTR's header, a name and a
// 64 KiB value; SYMLINK's two names are far smaller.
constexpr uint64_t kMaxArgBytes = 16 + 256 + 65536;

constexpr uint32_t kOfferedInitFlags = FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_BIG_WRITES |
                                       FUSE_AUTO_INVAL_DATA | FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO |
                                       FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES | FUSE_CACHE_SYMLINKS;

// Linux's new_encode_dev: what the guest's new_decode_dev expects.
uint32_t EncodeDevice(dev_t dev) {
  uint32_t major_number = ::major(dev), minor_number = ::minor(dev);
  return (minor_number & 0xff) | (major_number << 8) | ((minor_number & ~0xffu) << 12);
}

// The reply of an opcode that hands the guest a node or a handle: without
// room for it, the request is refused before it is served, as a node or
// handle the guest never heard of would never be released.
uint64_t CountedReplySize(uint32_t opcode) {
  switch (opcode) {
    case FUSE_LOOKUP:
    case FUSE_MKNOD:
    case FUSE_MKDIR:
    case FUSE_SYMLINK:
    case FUSE_LINK: return sizeof(fuse_entry_out);
    case FUSE_CREATE: return sizeof(fuse_entry_out) + sizeof(fuse_open_out);
    case FUSE_OPEN:
    case FUSE_OPENDIR: return sizeof(fuse_open_out);
    default: return 0;
  }
}

bool NeverReplied(uint32_t opcode) {
  return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET || opcode == FUSE_INTERRUPT;
}

// Checks the header's length against the buffers and copies the
// arguments; false if the request is malformed.
bool ReadArguments(const fuse_in_header& header, const FuseBuffers& buffers, std::vector<uint8_t>* args) {
  if (header.len < sizeof header || header.len > buffers.readable_size()) return false;
  uint64_t length = header.len - sizeof header;
  // WRITE's payload stays in the buffers; only its fuse_write_in is copied.
  if (header.opcode == FUSE_WRITE) length = std::min<uint64_t>(length, sizeof(fuse_write_in));
  if (length > kMaxArgBytes) return false;
  if (!NeverReplied(header.opcode) &&
      buffers.writable_size() < sizeof(fuse_out_header) + CountedReplySize(header.opcode)) {
    return false;
  }
  args->resize(length);
  return buffers.Read(sizeof header, *args);
}

// Writes fuse_out_header and the reply body; returns the bytes written.
uint32_t WriteReply(const FuseBuffers& buffers, uint64_t unique, int error, const FuseReply& reply) {
  if (buffers.writable_size() < sizeof(fuse_out_header)) return 0;
  fuse_out_header out = {};
  out.unique = unique;
  out.error = -error;
  uint64_t length = sizeof out + (error == 0 ? reply.body.size() + reply.direct_bytes : 0);
  if (length > buffers.writable_size() || length > UINT32_MAX) {
    // The guest left no room for the answer it asked for.
    out.error = -EINVAL;
    length = sizeof out;
  }
  out.len = static_cast<uint32_t>(length);
  buffers.Write(0, std::span(reinterpret_cast<const uint8_t*>(&out), sizeof out));
  if (out.error == 0 && !reply.body.empty()) buffers.Write(sizeof out, reply.body);
  return out.len;
}

}  // namespace

std::unique_ptr<FuseServer> FuseServer::Open(const std::string& host_dir, const Options& options) {
  int fd = open(host_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) ThrowErrno("cannot share directory '" + host_dir + "'");
  ScopedFd root(fd);
  struct stat st;
  if (fstat(root.get(), &st) != 0) ThrowErrno("cannot share directory '" + host_dir + "'");
  return std::unique_ptr<FuseServer>(new FuseServer(std::move(root), st, options));
}

FuseServer::FuseServer(ScopedFd root, const struct stat& root_stat, const Options& options)
    : inodes_(std::move(root), root_stat.st_dev, root_stat.st_ino),
      ids_(options.ids),
      read_only_(options.read_only) {}

uint32_t FuseServer::Handle(const FuseBuffers& buffers) {
  fuse_in_header header;
  if (!buffers.Read(0, std::span(reinterpret_cast<uint8_t*>(&header), sizeof header))) {
    return 0;  // not even a header: nothing to reply to
  }
  bool replied = !NeverReplied(header.opcode);
  std::vector<uint8_t> args;
  if (!ReadArguments(header, buffers, &args)) return replied ? WriteReply(buffers, header.unique, EINVAL, {}) : 0;
  FuseRequest request{header, FuseArgs(args), buffers};
  FuseReply reply;
  int error;
  {
    std::lock_guard lock(mu_);
    if (!replied) {
      if (header.opcode == FUSE_FORGET) Forget(request);
      if (header.opcode == FUSE_BATCH_FORGET) BatchForget(request);
      return 0;  // INTERRUPT: requests are served synchronously, so it has nothing to stop
    }
    error = Dispatch(request, reply);
  }
  return WriteReply(buffers, header.unique, error, reply);
}

int FuseServer::Dispatch(FuseRequest& r, FuseReply& reply) {
  uint32_t opcode = r.header.opcode;
  if (opcode == FUSE_INIT) return Init(r, reply);
  if (!initialized_) return EIO;
  switch (opcode) {
    case FUSE_DESTROY:
      inodes_.Clear();
      handles_.Clear();
      initialized_ = false;
      return 0;
    case FUSE_LOOKUP: return Lookup(r, reply);
    case FUSE_GETATTR: return GetAttr(r, reply);
    case FUSE_SETATTR: return SetAttr(r, reply);
    case FUSE_READLINK: return ReadLink(r, reply);
    case FUSE_SYMLINK: return Symlink(r, reply);
    case FUSE_MKNOD: return MakeNode(r, reply);
    case FUSE_MKDIR: return MakeDirectory(r, reply);
    case FUSE_UNLINK: return Remove(r, false);
    case FUSE_RMDIR: return Remove(r, true);
    case FUSE_RENAME: return Rename(r, false);
    case FUSE_RENAME2: return Rename(r, true);
    case FUSE_LINK: return Link(r, reply);
    case FUSE_ACCESS: return Access(r);
    case FUSE_STATFS: return StatFs(r, reply);
    case FUSE_OPEN: return OpenFile(r, reply);
    case FUSE_CREATE: return Create(r, reply);
    case FUSE_READ: return Read(r, reply);
    case FUSE_WRITE: return Write(r, reply);
    case FUSE_FLUSH: return Flush(r);
    case FUSE_RELEASE: return Release(r, false);
    case FUSE_RELEASEDIR: return Release(r, true);
    case FUSE_FSYNC: return Fsync(r, false);
    case FUSE_FSYNCDIR: return Fsync(r, true);
    case FUSE_LSEEK: return Seek(r, reply);
    case FUSE_FALLOCATE: return Allocate(r);
    case FUSE_OPENDIR: return OpenDirectory(r, reply);
    case FUSE_READDIR: return ReadDirectory(r, reply, false);
    case FUSE_READDIRPLUS: return ReadDirectory(r, reply, true);
    case FUSE_GETXATTR: return GetXattr(r, reply);
    case FUSE_LISTXATTR: return ListXattr(r, reply);
    case FUSE_SETXATTR: return SetXattr(r);
    case FUSE_REMOVEXATTR: return RemoveXattr(r);
    default: return ENOSYS;
  }
}

int FuseServer::Init(FuseRequest& r, FuseReply& reply) {
  // Before 7.36 the kernel sent only the first four fields.
  constexpr size_t kShortInitIn = 16;
  fuse_init_in in = {};
  std::span<const uint8_t> bytes;
  if (!r.args.TakeBytes(std::min<size_t>(r.args.remaining(), sizeof in), &bytes) || bytes.size() < kShortInitIn) {
    return EINVAL;
  }
  std::memcpy(&in, bytes.data(), bytes.size());
  fuse_init_out out = {};
  out.major = FUSE_KERNEL_VERSION;
  out.minor = FUSE_KERNEL_MINOR_VERSION;
  if (in.major < FUSE_KERNEL_VERSION) return EPROTO;
  if (in.major > FUSE_KERNEL_VERSION) {
    // Ours is older: say so, and the kernel retries with our major.
    reply.Append(out);
    return 0;
  }
  if (in.minor < kOldestMinor) return EPROTO;
  // A new session: whatever the last one held is gone.
  inodes_.Clear();
  handles_.Clear();
  out.minor = std::min<uint32_t>(in.minor, FUSE_KERNEL_MINOR_VERSION);
  out.max_readahead = in.max_readahead;
  out.flags = in.flags & kOfferedInitFlags;
  out.max_background = 16;
  out.congestion_threshold = 12;
  out.max_write = kFuseMaxWrite;
  out.time_gran = 1;
  out.max_pages = static_cast<uint16_t>(kFuseMaxWrite / 4096);
  reply.Append(out);
  initialized_ = true;
  return 0;
}

void FuseServer::Forget(FuseRequest& r) {
  fuse_forget_in in;
  if (!r.args.Take(&in)) return;
  inodes_.Forget(r.header.nodeid, in.nlookup);
}

void FuseServer::BatchForget(FuseRequest& r) {
  fuse_batch_forget_in in;
  if (!r.args.Take(&in)) return;
  for (uint32_t i = 0; i < in.count; ++i) {
    fuse_forget_one one;
    if (!r.args.Take(&one)) return;
    inodes_.Forget(one.nodeid, one.nlookup);
  }
}

void FuseServer::Reset() {
  std::lock_guard lock(mu_);
  inodes_.Clear();
  handles_.Clear();
  initialized_ = false;
}

size_t FuseServer::node_count() {
  std::lock_guard lock(mu_);
  return inodes_.size();
}

size_t FuseServer::handle_count() {
  std::lock_guard lock(mu_);
  return handles_.size();
}

int FuseServer::FindNode(uint64_t id, const Inode** out) const {
  const Inode* node = inodes_.Find(id);
  if (!node) return ESTALE;
  if (id != InodeTable::kRootId && !IsInside(node->fd.get(), inodes_.Find(InodeTable::kRootId)->fd.get())) {
    return ESTALE;
  }
  *out = node;
  return 0;
}

int FuseServer::FindHandle(uint64_t fh, bool directory, int* fd) const {
  *fd = handles_.Find(fh, directory);
  if (*fd < 0) return EBADF;
  return IsInside(*fd, inodes_.Find(InodeTable::kRootId)->fd.get()) ? 0 : ESTALE;
}

void FuseServer::GiveToCaller(const FuseRequest& r, int parent_fd, int path_fd) const {
  uid_t uid = ids_.UidToHost(r.header.uid);
  gid_t gid = ids_.GidToHost(r.header.gid);
  struct stat parent;
  // In a set-group-ID directory the group is the directory's, as on Linux.
  if (fstat(parent_fd, &parent) == 0 && (parent.st_mode & S_ISGID)) gid = static_cast<gid_t>(-1);
  struct stat st;
  if (fstat(path_fd, &st) != 0 || (st.st_uid == uid && (gid == static_cast<gid_t>(-1) || st.st_gid == gid))) return;
  // Failure is expected when the VMM is not root: the node stays its own.
  (void)fchownat(path_fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

int FuseServer::FindDirectory(uint64_t id, const Inode** out) const {
  if (int error = FindNode(id, out)) return error;
  return (*out)->type == S_IFDIR ? 0 : ENOTDIR;
}

int FuseServer::LookupEntry(const Inode& parent, const std::string& name, fuse_entry_out* out) {
  int fd = OpenBeneath(parent.fd.get(), name.c_str(), O_PATH | O_NOFOLLOW, 0);
  if (fd < 0) return -fd;
  return EntryFromFd(ScopedFd(fd), out);
}

int FuseServer::EntryFromFd(ScopedFd fd, fuse_entry_out* out) {
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return errno;
  *out = {};
  out->nodeid = inodes_.AddLookup(std::move(fd), st.st_dev, st.st_ino, st.st_mode & S_IFMT);
  out->entry_valid = kAttrValidSeconds;
  out->attr_valid = kAttrValidSeconds;
  FillAttr(st, &out->attr);
  return 0;
}

void FuseServer::FillAttr(const struct stat& st, fuse_attr* out) const {
  *out = {};
  out->ino = st.st_ino;
  out->size = static_cast<uint64_t>(st.st_size);
  out->blocks = static_cast<uint64_t>(st.st_blocks);
  out->atime = static_cast<uint64_t>(st.st_atim.tv_sec);
  out->mtime = static_cast<uint64_t>(st.st_mtim.tv_sec);
  out->ctime = static_cast<uint64_t>(st.st_ctim.tv_sec);
  out->atimensec = static_cast<uint32_t>(st.st_atim.tv_nsec);
  out->mtimensec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
  out->ctimensec = static_cast<uint32_t>(st.st_ctim.tv_nsec);
  out->mode = st.st_mode;
  out->nlink = static_cast<uint32_t>(st.st_nlink);
  out->uid = ids_.UidToGuest(st.st_uid);
  out->gid = ids_.GidToGuest(st.st_gid);
  out->rdev = EncodeDevice(st.st_rdev);
  out->blksize = static_cast<uint32_t>(st.st_blksize);
}

int FuseServer::FinishCreated(const FuseRequest& r, const Inode& parent, const std::string& name, mode_t mode,
                              fuse_entry_out* out) {
  int fd = OpenBeneath(parent.fd.get(), name.c_str(), O_PATH | O_NOFOLLOW, 0);
  if (fd < 0) return -fd;
  ScopedFd node(fd);
  // Owner first: a change of owner clears set-user-ID bits the mode may set.
  GiveToCaller(r, parent.fd.get(), node.get());
  struct stat st;
  if (fstat(node.get(), &st) != 0) return errno;
  if (!S_ISLNK(st.st_mode)) {
    if (int error = SetCreatedMode(node.get(), mode)) return error;
  }
  return EntryFromFd(std::move(node), out);
}

int FuseServer::SetCreatedMode(int path_fd, mode_t mode) {
  return chmod(ProcFdPath(path_fd).c_str(), mode & 07777) == 0 ? 0 : errno;
}

}  // namespace tinyrange::virtio::fs
