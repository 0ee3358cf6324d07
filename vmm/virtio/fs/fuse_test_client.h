// Plays the guest kernel's FUSE client against a FuseServer in tests:
// builds requests byte by byte, as the wire carries them, and decodes the
// replies.
#pragma once

#include <fcntl.h>
#include <linux/fuse.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "vmm/virtio/fs/fuse_buffers.h"
#include "vmm/virtio/fs/fuse_server.h"

namespace tinyrange::virtio::fs::testing {

using Bytes = std::vector<uint8_t>;

template <typename T>
Bytes Struct(const T& value) {
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  return Bytes(p, p + sizeof(T));
}
inline Bytes Str(const std::string& s) {  // NUL-terminated
  Bytes b(s.begin(), s.end());
  b.push_back(0);
  return b;
}
inline Bytes Raw(const std::string& s) { return Bytes(s.begin(), s.end()); }
inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Reply {
  uint32_t written = 0;  // what Handle returned
  int error = 0;         // -out.error, as a positive errno
  Bytes body;

  template <typename T>
  T As(size_t offset = 0) const {
    T value = {};
    if (body.size() >= offset + sizeof(T)) std::memcpy(&value, body.data() + offset, sizeof(T));
    return value;
  }
  std::string Text() const { return std::string(body.begin(), body.end()); }
};

class FuseTestClient {
 public:
  explicit FuseTestClient(FuseServer* server) : server_(server) {}

  // A request with a correct header; `len_override` forges the length.
  static Bytes Request(uint32_t opcode, uint64_t nodeid, const Bytes& args, uint64_t unique = 7, uint32_t uid = 0,
                       uint32_t gid = 0) {
    fuse_in_header h = {};
    h.uid = uid;
    h.gid = gid;
    h.len = static_cast<uint32_t>(sizeof h + args.size());
    h.opcode = opcode;
    h.unique = unique;
    h.nodeid = nodeid;
    return Cat({Struct(h), args});
  }

  Reply Send(const Bytes& request, size_t room = (1 << 20) + 4096) {
    ByteFuseBuffers buffers(request, room);
    Reply r;
    r.written = server_->Handle(buffers);
    if (r.written >= sizeof(fuse_out_header)) {
      fuse_out_header out;
      std::memcpy(&out, buffers.reply().data(), sizeof out);
      r.error = -out.error;
      r.body.assign(buffers.reply().begin() + sizeof out, buffers.reply().begin() + r.written);
    }
    return r;
  }
  Reply Call(uint32_t opcode, uint64_t nodeid, const Bytes& args, size_t room = (1 << 20) + 4096) {
    return Send(Request(opcode, nodeid, args, 7, caller_uid, caller_gid), room);
  }

  // The guest user the requests come from.
  uint32_t caller_uid = 0;
  uint32_t caller_gid = 0;

  Reply Init(uint32_t major = 7, uint32_t minor = FUSE_KERNEL_MINOR_VERSION, uint32_t flags = 0xffffffff) {
    fuse_init_in in = {};
    in.major = major;
    in.minor = minor;
    in.max_readahead = 65536;
    in.flags = flags;
    return Call(FUSE_INIT, 0, Struct(in));
  }

  // Returns the node id, or 0 on error (then *error is set).
  uint64_t Lookup(uint64_t parent, const std::string& name, int* error = nullptr, fuse_entry_out* entry = nullptr) {
    Reply r = Call(FUSE_LOOKUP, parent, Str(name));
    if (error) *error = r.error;
    if (entry) *entry = r.As<fuse_entry_out>();
    return r.error == 0 ? r.As<fuse_entry_out>().nodeid : 0;
  }
  Reply GetAttr(uint64_t node) { return Call(FUSE_GETATTR, node, Struct(fuse_getattr_in{})); }
  Reply Create(uint64_t parent, const std::string& name, uint32_t flags, uint32_t mode) {
    fuse_create_in in = {};
    in.flags = flags;
    in.mode = S_IFREG | mode;
    return Call(FUSE_CREATE, parent, Cat({Struct(in), Str(name)}));
  }
  Reply Open(uint64_t node, uint32_t flags) {
    fuse_open_in in = {};
    in.flags = flags;
    return Call(FUSE_OPEN, node, Struct(in));
  }
  Reply OpenDir(uint64_t node) { return Call(FUSE_OPENDIR, node, Struct(fuse_open_in{})); }
  Reply Write(uint64_t node, uint64_t fh, uint64_t offset, const std::string& data) {
    fuse_write_in in = {};
    in.fh = fh;
    in.offset = offset;
    in.size = static_cast<uint32_t>(data.size());
    return Call(FUSE_WRITE, node, Cat({Struct(in), Raw(data)}));
  }
  Reply Read(uint64_t node, uint64_t fh, uint64_t offset, uint32_t size, uint32_t opcode = FUSE_READ) {
    fuse_read_in in = {};
    in.fh = fh;
    in.offset = offset;
    in.size = size;
    return Call(opcode, node, Struct(in));
  }
  Reply Release(uint64_t node, uint64_t fh, uint32_t opcode = FUSE_RELEASE) {
    fuse_release_in in = {};
    in.fh = fh;
    return Call(opcode, node, Struct(in));
  }
  Reply Mkdir(uint64_t parent, const std::string& name, uint32_t mode) {
    fuse_mkdir_in in = {};
    in.mode = mode;
    return Call(FUSE_MKDIR, parent, Cat({Struct(in), Str(name)}));
  }
  Reply Mknod(uint64_t parent, const std::string& name, uint32_t mode) {
    fuse_mknod_in in = {};
    in.mode = mode;
    return Call(FUSE_MKNOD, parent, Cat({Struct(in), Str(name)}));
  }
  Reply Symlink(uint64_t parent, const std::string& name, const std::string& target) {
    return Call(FUSE_SYMLINK, parent, Cat({Str(name), Str(target)}));
  }
  Reply Link(uint64_t target, uint64_t parent, const std::string& name) {
    fuse_link_in in = {};
    in.oldnodeid = target;
    return Call(FUSE_LINK, parent, Cat({Struct(in), Str(name)}));
  }
  Reply Rename2(uint64_t parent, const std::string& from, uint64_t new_parent, const std::string& to,
                uint32_t flags) {
    fuse_rename2_in in = {};
    in.newdir = new_parent;
    in.flags = flags;
    return Call(FUSE_RENAME2, parent, Cat({Struct(in), Str(from), Str(to)}));
  }
  Reply SetAttr(uint64_t node, const fuse_setattr_in& in) { return Call(FUSE_SETATTR, node, Struct(in)); }
  void Forget(uint64_t node, uint64_t count) {
    fuse_forget_in in = {};
    in.nlookup = count;
    Call(FUSE_FORGET, node, Struct(in));
  }

  // Every name a READDIR(PLUS) listing holds, asking `chunk` bytes at a time.
  std::vector<std::string> List(uint64_t dir, bool plus, uint32_t chunk = 4096,
                                std::vector<fuse_entry_out>* entries = nullptr) {
    Reply opened = OpenDir(dir);
    uint64_t fh = opened.As<fuse_open_out>().fh;
    std::vector<std::string> names;
    uint64_t offset = 0;
    while (true) {
      Reply r = Read(dir, fh, offset, chunk, plus ? FUSE_READDIRPLUS : FUSE_READDIR);
      if (r.error != 0 || r.body.empty()) break;
      for (size_t at = 0; at < r.body.size();) {
        if (plus && entries) entries->push_back(r.As<fuse_entry_out>(at));
        if (plus) at += sizeof(fuse_entry_out);
        auto d = r.As<fuse_dirent>(at);
        names.emplace_back(reinterpret_cast<const char*>(r.body.data() + at + FUSE_NAME_OFFSET), d.namelen);
        offset = d.off;
        at += (FUSE_NAME_OFFSET + d.namelen + 7) & ~size_t{7};
      }
    }
    Release(dir, fh, FUSE_RELEASEDIR);
    return names;
  }

 private:
  FuseServer* server_;
};

}  // namespace tinyrange::virtio::fs::testing
