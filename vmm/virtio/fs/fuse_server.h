// A FUSE server (protocol 7.31 and later, as virtio-fs speaks it) sharing
// one host directory, independent of the transport that carries requests.
//
// Handle() takes one request, fuse_in_header then the opcode's arguments
// (then WRITE's payload), from the readable buffers and puts
// fuse_out_header and the reply into the writable ones; READ and WRITE
// move file data straight between the file and the buffers. Errors are
// -errno in the out header. Requests are served one at a time (INTERRUPT
// therefore has nothing to interrupt).
//
// The guest is untrusted. Every length, offset, name, node id and file
// handle it sends is checked; a malformed request gets EINVAL, and one
// whose header cannot even be read is dropped. Confinement: every node
// is an O_PATH descriptor (inode_table.h), every name one component
// resolved beneath its parent by openat2 without following any symlink
// (host_fs.h), and a node or open file that has been moved out of the
// share on the host answers ESTALE. Only regular files are ever opened,
// and device nodes are never made. A read-only share refuses every change
// with EROFS. File ownership is mapped as id_mapping.h describes.
//
// Every node the guest holds is a host descriptor: the VMM should raise
// its RLIMIT_NOFILE soft limit to the hard limit; past it, LOOKUP and
// OPEN fail with EMFILE.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "vmm/virtio/fs/fuse_buffers.h"
#include "vmm/virtio/fs/handle_table.h"
#include "vmm/virtio/fs/id_mapping.h"
#include "vmm/virtio/fs/inode_table.h"

struct fuse_attr;
struct fuse_entry_out;

namespace tinyrange::virtio::fs {

struct FuseRequest;
struct FuseReply;

inline constexpr uint32_t kFuseMaxWrite = 1 << 20;

class FuseServer {
 public:
  struct Options {
    bool read_only = false;
    IdMapping ids = IdMapping::ForThisProcess();
  };

  // Opens `host_dir`; throws VmmError naming it if it is not a directory
  // that can be opened.
  static std::unique_ptr<FuseServer> Open(const std::string& host_dir, const Options& options);

  // Serves one request; returns the number of reply bytes written (0 when
  // the request gets no reply or was dropped). Thread-safe.
  uint32_t Handle(const FuseBuffers& buffers);

  // Drops every node and handle the guest held (device reset).
  void Reset();

  size_t node_count();
  size_t handle_count();

 private:
  FuseServer(ScopedFd root, const struct stat& root_stat, const Options& options);

  // Returns an errno (0 on success); the reply body goes into `reply`.
  int Dispatch(FuseRequest& request, FuseReply& reply);

  int Init(FuseRequest& r, FuseReply& reply);
  void Forget(FuseRequest& r);
  void BatchForget(FuseRequest& r);

  // fuse_server_nodes.cc
  int Lookup(FuseRequest& r, FuseReply& reply);
  int GetAttr(FuseRequest& r, FuseReply& reply);
  int SetAttr(FuseRequest& r, FuseReply& reply);
  int ReadLink(FuseRequest& r, FuseReply& reply);
  int Symlink(FuseRequest& r, FuseReply& reply);
  int MakeNode(FuseRequest& r, FuseReply& reply);
  int MakeDirectory(FuseRequest& r, FuseReply& reply);
  int Remove(FuseRequest& r, bool directory);
  int Rename(FuseRequest& r, bool with_flags);
  int Link(FuseRequest& r, FuseReply& reply);
  int Access(FuseRequest& r);
  int StatFs(FuseRequest& r, FuseReply& reply);

  // fuse_server_files.cc
  int OpenFile(FuseRequest& r, FuseReply& reply);
  int Create(FuseRequest& r, FuseReply& reply);
  int Read(FuseRequest& r, FuseReply& reply);
  int Write(FuseRequest& r, FuseReply& reply);
  int Flush(FuseRequest& r);
  int Release(FuseRequest& r, bool directory);
  int Fsync(FuseRequest& r, bool directory);
  int Seek(FuseRequest& r, FuseReply& reply);
  int Allocate(FuseRequest& r);

  // fuse_server_dirs.cc
  int OpenDirectory(FuseRequest& r, FuseReply& reply);
  int ReadDirectory(FuseRequest& r, FuseReply& reply, bool plus);

  // fuse_server_xattr.cc
  int GetXattr(FuseRequest& r, FuseReply& reply);
  int ListXattr(FuseRequest& r, FuseReply& reply);
  int SetXattr(FuseRequest& r);
  int RemoveXattr(FuseRequest& r);

  // The node `id`, or an errno: ESTALE if it is unknown or no longer
  // inside the share.
  int FindNode(uint64_t id, const Inode** out) const;
  // As FindNode, and the node must be a directory (ENOTDIR).
  int FindDirectory(uint64_t id, const Inode** out) const;
  // The descriptor behind file handle `fh`: EBADF if there is none of
  // that kind, ESTALE if its file has been moved out of the share.
  int FindHandle(uint64_t fh, bool directory, int* fd) const;
  // Gives a node just created to the guest user who asked for it, when
  // the host allows (id_mapping.h); otherwise it stays the VMM user's.
  void GiveToCaller(const FuseRequest& r, int parent_fd, int path_fd) const;
  // Looks `name` up beneath `parent` and counts a lookup of the result.
  int LookupEntry(const Inode& parent, const std::string& name, fuse_entry_out* out);
  // Counts a lookup of the inode behind the O_PATH descriptor `fd`.
  int EntryFromFd(ScopedFd fd, fuse_entry_out* out);
  void FillAttr(const struct stat& st, fuse_attr* out) const;
  // The attributes of `fd` as a fuse_attr_out reply (GETATTR and SETATTR).
  int ReplyAttr(int fd, FuseReply& reply) const;
  // Sets exactly `mode` on a node just created (the host's umask must not
  // apply twice; the guest's was applied in the guest).
  static int SetCreatedMode(int path_fd, mode_t mode);
  // After MKNOD, MKDIR or SYMLINK made `name` in `parent`: owner, exact
  // mode (not for symlinks) and a counted lookup.
  int FinishCreated(const FuseRequest& r, const Inode& parent, const std::string& name, mode_t mode,
                    fuse_entry_out* out);

  // How long the guest may cache names and attributes: short, as the host
  // may change the tree behind its back.
  static constexpr uint64_t kAttrValidSeconds = 1;

  std::mutex mu_;
  InodeTable inodes_;
  HandleTable handles_;
  IdMapping ids_;
  bool read_only_;
  bool initialized_ = false;
};

}  // namespace tinyrange::virtio::fs
