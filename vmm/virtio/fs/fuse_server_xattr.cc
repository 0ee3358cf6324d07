// Extended attributes, where the host file system has them.
//
// Reading passes everything through. Changing is limited to the "user."
// namespace: a guest must not set security.capability or trusted.*
// attributes on host files even when the VMM runs as root, and POSIX ACLs
// are not negotiated (the guest checks permissions from mode bits only),
// so their attributes are refused outright.
#include <sys/xattr.h>

#include <cerrno>
#include <string_view>

#include "vmm/virtio/fs/fuse_message.h"
#include "vmm/virtio/fs/fuse_server.h"
#include "vmm/virtio/fs/host_fs.h"

namespace tinyrange::virtio::fs {

namespace {

constexpr size_t kMaxXattrName = 255;       // XATTR_NAME_MAX
constexpr size_t kMaxXattrValue = 1 << 16;  // XATTR_SIZE_MAX, also the largest list

bool TakeXattrName(FuseArgs& args, std::string* name) {
  return args.TakeString(name, kMaxXattrName) && !name->empty();
}

bool IsAcl(std::string_view name) { return name.starts_with("system.posix_acl_"); }

bool GuestMayChange(std::string_view name) { return name.starts_with("user."); }

// Replies per FUSE's size probe: a zero size asks only for the length.
int ReplySized(ssize_t n, uint32_t asked, const std::vector<uint8_t>& value, FuseReply& reply) {
  if (n < 0) return errno;
  if (asked == 0) {
    fuse_getxattr_out out = {};
    out.size = static_cast<uint32_t>(n);
    reply.Append(out);
    return 0;
  }
  reply.AppendBytes(std::span(value.data(), static_cast<size_t>(n)));
  return 0;
}

}  // namespace

int FuseServer::GetXattr(FuseRequest& r, FuseReply& reply) {
  fuse_getxattr_in in;
  std::string name;
  if (!r.args.Take(&in) || !TakeXattrName(r.args, &name)) return EINVAL;
  if (IsAcl(name)) return EOPNOTSUPP;
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  std::string path = ProcFdPath(node->fd.get());
  std::vector<uint8_t> value(std::min<size_t>(in.size, kMaxXattrValue));
  ssize_t n = getxattr(path.c_str(), name.c_str(), value.empty() ? nullptr : value.data(), value.size());
  return ReplySized(n, in.size, value, reply);
}

int FuseServer::ListXattr(FuseRequest& r, FuseReply& reply) {
  fuse_getxattr_in in;
  if (!r.args.Take(&in)) return EINVAL;
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  std::string path = ProcFdPath(node->fd.get());
  std::vector<uint8_t> names(std::min<size_t>(in.size, kMaxXattrValue));
  ssize_t n = listxattr(path.c_str(), names.empty() ? nullptr : reinterpret_cast<char*>(names.data()), names.size());
  return ReplySized(n, in.size, names, reply);
}

int FuseServer::SetXattr(FuseRequest& r) {
  if (read_only_) return EROFS;
  // Without FUSE_SETXATTR_EXT the kernel sends only size and flags.
  uint32_t size, flags;
  std::string name;
  std::span<const uint8_t> value;
  if (!r.args.Take(&size) || !r.args.Take(&flags) || !TakeXattrName(r.args, &name) || size > kMaxXattrValue ||
      !r.args.TakeBytes(size, &value)) {
    return EINVAL;
  }
  if (flags & ~static_cast<uint32_t>(XATTR_CREATE | XATTR_REPLACE)) return EINVAL;
  if (IsAcl(name)) return EOPNOTSUPP;
  if (!GuestMayChange(name)) return EPERM;
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  int result = setxattr(ProcFdPath(node->fd.get()).c_str(), name.c_str(), value.data(), value.size(),
                        static_cast<int>(flags));
  return result == 0 ? 0 : errno;
}

int FuseServer::RemoveXattr(FuseRequest& r) {
  if (read_only_) return EROFS;
  std::string name;
  if (!TakeXattrName(r.args, &name)) return EINVAL;
  if (IsAcl(name)) return EOPNOTSUPP;
  if (!GuestMayChange(name)) return EPERM;
  const Inode* node;
  if (int error = FindNode(r.header.nodeid, &node)) return error;
  return removexattr(ProcFdPath(node->fd.get()).c_str(), name.c_str()) == 0 ? 0 : errno;
}

}  // namespace tinyrange::virtio::fs
