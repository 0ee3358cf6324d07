// How host file ownership appears to the guest.
//
// The VMM runs as an ordinary user, yet the guest expects its files to be
// owned by its root. The mapping is a single swap, applied to uids and gids
// independently:
//
//   host <the VMM's own id>  <->  guest 0
//   host 0                   <->  guest <the VMM's own id>
//   every other id           <->  itself
//
// So files the VMM user owns appear as root's, files of other host users
// keep their numbers, and the mapping is its own inverse: a guest chown to
// id G asks the host for MapToHost(G), and what the guest then stats is G
// again. Nothing is ever collapsed, so no two host owners look alike. When
// the VMM itself runs as root the mapping is the identity.
//
// The host kernel decides what ownership changes are allowed: an
// unprivileged VMM can only give files to itself (guest 0) and to its own
// groups; anything else comes back as EPERM, which the guest sees. New
// files, directories and links are given to the guest user who made them
// (mapped the same way) when the host allows it, and otherwise stay the
// VMM user's, which the guest sees as root's.
#pragma once

#include <cstdint>

namespace tinyrange::virtio::fs {

class IdMapping {
 public:
  // `self_uid`/`self_gid` are the VMM's own effective ids.
  IdMapping(uint32_t self_uid, uint32_t self_gid) : self_uid_(self_uid), self_gid_(self_gid) {}
  static IdMapping ForThisProcess();

  uint32_t UidToGuest(uint32_t host) const { return Swap(host, self_uid_); }
  uint32_t GidToGuest(uint32_t host) const { return Swap(host, self_gid_); }
  uint32_t UidToHost(uint32_t guest) const { return Swap(guest, self_uid_); }
  uint32_t GidToHost(uint32_t guest) const { return Swap(guest, self_gid_); }

 private:
  static uint32_t Swap(uint32_t id, uint32_t self) {
    if (id == self) return 0;
    if (id == 0) return self;
    return id;
  }

  uint32_t self_uid_;
  uint32_t self_gid_;
};

}  // namespace tinyrange::virtio::fs
