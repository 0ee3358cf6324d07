// The tinyrange archive format, version 1: the unit of content the builder
// hands to guest-init. Every package, added file and captured install-script
// state becomes one archive, named by the SHA-256 of its bytes.
//
// Design goals: deterministic (the bytes depend only on the entries given,
// in order), streamable in one pass, and simple enough for guest-init to
// read with no library.
//
// Layout (all integers little-endian):
//
//   file header, 16 bytes:
//     char[8] magic   "TRFRAG01" (a filesystem fragment; the multi-file
//                     archive disk of vmm/virtio/archive_disk.h is "TRARCHV1")
//     u32     version 1
//     u32     flags   0 (readers reject other values)
//
//   entries, each:
//     header, 56 bytes:
//       u32 magic      0x4e455254 ("TREN" in file order)
//       u8  type       EntryType below
//       u8[3]          zero
//       u32 mode       permission bits only (mask 07777)
//       u32 uid
//       u32 gid
//       u32 dev_major  character/block devices; else 0
//       u32 dev_minor
//       i64 mtime      seconds since the epoch
//       u32 name_len   1..4095
//       u32 link_len   symlink target / hard-link target name; else 0
//       u32 xattr_len  bytes of the extended-attribute block; else 0
//       u64 size       data bytes (regular files only; else 0)
//     name     name_len bytes (no NUL)
//     link     link_len bytes
//     xattrs   xattr_len bytes: repeated { u32 key_len, u32 value_len,
//              key, value }, keys non-empty, without NUL, strictly
//              ascending (bytewise), so no duplicates
//     data     size bytes
//     padding  zeros up to a multiple of 8 bytes from the file start
//
//   end entry: a 56-byte header with the entry magic, type kEnd and every
//   other byte zero. Nothing may follow it.
//
// A name may appear more than once; unpacking applies entries in order, so
// the later one wins, as between archives.
//
// Names are relative paths in normal form: no leading '/', no empty, "." or
// ".." component, no trailing '/', no NUL. A hard link names an earlier
// regular-file entry of the same archive as its target. Symlink targets are
// stored as given; whether they stay inside the root is the converter's
// check (archive_converter.h), because it knows the entry's directory.
#pragma once

#include <cstdint>

#include "builder/archive/archive_layout.h"
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tinyrange::archive {

// Thrown for malformed archives and invalid entries; the message names the
// archive (or entry) and the byte offset where it went wrong.
class ArchiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Everything about an entry except its data.
struct Entry {
  EntryType type = EntryType::kFile;
  std::string name;
  uint32_t mode = 0644;  // permission bits only
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  int64_t mtime = 0;
  std::string link;                                         // symlink target, or the hard link's target name
  std::vector<std::pair<std::string, std::string>> xattrs;  // sorted by key
  uint64_t size = 0;                                        // data bytes
};

// Whether the file at `path` starts with the tinyrange archive magic (it
// may still be malformed: ArchiveReader validates).
bool IsTinyrangeArchive(const std::string& path);

// Empty if `name` is a valid entry name (rules above), else what is wrong.
std::string CheckEntryName(const std::string& name);

}  // namespace tinyrange::archive
