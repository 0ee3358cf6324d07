// Directory handles and listings. READDIRPLUS looks every entry up (as
// LOOKUP would, counting a lookup the guest later forgets) so the guest
// needs no LOOKUP round trip per entry.
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "vmm/virtio/fs/fuse_message.h"
#include "vmm/virtio/fs/fuse_server.h"
#include "vmm/virtio/fs/host_fs.h"

namespace tinyrange::virtio::fs {

namespace {

constexpr uint64_t kMaxListing = 1 << 20;

struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  uint16_t d_reclen;
  uint8_t d_type;
  char d_name[1];
};

size_t Align8(size_t n) { return (n + 7) & ~size_t{7}; }

bool IsDotOrDotDot(std::string_view name) { return name == "." || name == ".."; }

}  // namespace

int FuseServer::OpenDirectory(FuseRequest& r, FuseReply& reply) {
  fuse_open_in in;
  if (!r.args.Take(&in)) return EINVAL;
  const Inode* node;
  if (int error = FindDirectory(r.header.nodeid, &node)) return error;
  int fd = Reopen(node->fd.get(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -fd;
  fuse_open_out out = {};
  out.fh = handles_.Add(ScopedFd(fd), true);
  reply.Append(out);
  return 0;
}

int FuseServer::ReadDirectory(FuseRequest& r, FuseReply& reply, bool plus) {
  fuse_read_in in;
  if (!r.args.Take(&in)) return EINVAL;
  const Inode* node;
  if (int error = FindDirectory(r.header.nodeid, &node)) return error;
  int fd;
  if (int error = FindHandle(in.fh, true, &fd)) return error;
  uint64_t room = r.buffers.writable_size();
  if (room < sizeof(fuse_out_header)) return EINVAL;
  uint64_t limit = std::min<uint64_t>({in.size, room - sizeof(fuse_out_header), kMaxListing});
  // The offset is a cookie the host handed out as d_off (or 0).
  if (lseek(fd, static_cast<off_t>(in.offset), SEEK_SET) < 0) return errno;

  alignas(8) uint8_t buffer[16384];
  while (true) {
    long n = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
    if (n < 0) return reply.body.empty() ? errno : 0;
    if (n == 0) return 0;
    for (long at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + at);
      at += entry->d_reclen;
      std::string_view name(entry->d_name);
      size_t dirent_size = Align8(FUSE_NAME_OFFSET + name.size());
      size_t size = plus ? sizeof(fuse_entry_out) + dirent_size : dirent_size;
      if (reply.body.size() + size > limit) return 0;  // the guest asks again from this entry's offset
      if (plus) {
        fuse_entry_out entry_out = {};
        // No entry (node id 0) for "." and "..", or for a name gone since.
        if (!IsDotOrDotDot(name) && LookupEntry(*node, std::string(name), &entry_out) != 0) entry_out = {};
        if (entry_out.nodeid == InodeTable::kRootId) entry_out = {};  // the kernel refuses the root here
        reply.Append(entry_out);
      }
      fuse_dirent dirent = {};
      dirent.ino = entry->d_ino;
      dirent.off = static_cast<uint64_t>(entry->d_off);
      dirent.namelen = static_cast<uint32_t>(name.size());
      dirent.type = entry->d_type;
      size_t start = reply.body.size();
      reply.body.resize(start + dirent_size, 0);
      std::memcpy(reply.body.data() + start, &dirent, FUSE_NAME_OFFSET);
      std::memcpy(reply.body.data() + start + FUSE_NAME_OFFSET, name.data(), name.size());
    }
  }
}

}  // namespace tinyrange::virtio::fs
