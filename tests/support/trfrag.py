#!/usr/bin/env python3
"""Reads tinyrange archives (builder/archive/archive_format.h) and archive
disks (vmm/virtio/archive_disk.h) for shell tests: an independent reader of
both formats, so the tests also check that the bytes match the spec.

  trfrag.py list ARCHIVE            one line per entry: TYPE MODE SIZE NAME [-> LINK]
  trfrag.py cat ARCHIVE NAME        the data of a file entry
  trfrag.py disk OUT PART...        assemble an archive disk image from parts
"""
import hashlib
import struct
import sys

TYPES = {1: "file", 2: "dir", 3: "symlink", 4: "hardlink", 5: "chr", 6: "blk", 7: "fifo"}


def entries(path):
    data = open(path, "rb").read()
    if data[:8] != b"TRFRAG01":
        sys.exit(f"{path}: not a tinyrange archive")
    version, flags = struct.unpack_from("<II", data, 8)
    if version != 1 or flags != 0:
        sys.exit(f"{path}: version {version} flags {flags}")
    off = 16
    while True:
        (magic, etype, mode, uid, gid, major, minor, mtime, name_len, link_len, xattr_len,
         size) = struct.unpack_from("<IB3xIIIIIqIIIQ", data, off)
        if magic != 0x4E455254:
            sys.exit(f"{path}: bad entry magic at {off}")
        if etype == 0:
            return
        off += 56
        name = data[off:off + name_len].decode()
        off += name_len
        link = data[off:off + link_len].decode()
        off += link_len + xattr_len
        body = data[off:off + size]
        off += size
        off = (off + 7) & ~7
        yield TYPES.get(etype, str(etype)), mode, name, link, body


def main():
    cmd = sys.argv[1]
    if cmd == "list":
        for etype, mode, name, link, body in entries(sys.argv[2]):
            print(f"{etype} {mode:04o} {len(body)} {name}" + (f" -> {link}" if link else ""))
    elif cmd == "cat":
        for etype, mode, name, link, body in entries(sys.argv[2]):
            if name == sys.argv[3] and etype == "file":
                sys.stdout.buffer.write(body)
                return
        sys.exit(f"no file {sys.argv[3]}")
    elif cmd == "disk":
        out, parts = sys.argv[2], sys.argv[3:]
        header_len = 24 + 64 * len(parts)
        align = lambda n: (n + 4095) & ~4095
        offset = align(header_len)
        table, blobs = b"", []
        for p in parts:
            blob = open(p, "rb").read()
            table += struct.pack("<QQ", offset, len(blob)) + hashlib.sha256(blob).digest() + bytes(16)
            blobs.append((offset, blob))
            offset = align(offset + len(blob))
        with open(out, "wb") as f:
            f.write(b"TRARCHV1" + struct.pack("<IIQ", 1, len(parts), align(header_len)) + table)
            for off, blob in blobs:
                f.seek(off)
                f.write(blob)
            f.truncate(offset)
    else:
        sys.exit(__doc__)


main()
