#!/usr/bin/env python3
"""Writes the virtio-fs fuzzer's seed inputs (fuzz_seeds/) in the format
virtio_fs_fuzzer.cc describes. Node ids and handles are those a fresh
server hands out: the first LOOKUP gets node 2, the first OPEN handle 1."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fuzz_seeds")

# Opcodes from <linux/fuse.h>.
LOOKUP, FORGET, GETATTR, SETATTR, READLINK, SYMLINK, MKNOD, MKDIR = 1, 2, 3, 4, 5, 6, 8, 9
UNLINK, RMDIR, RENAME, LINK, OPEN, READ, WRITE, STATFS, RELEASE = 10, 11, 12, 13, 14, 15, 16, 17, 18
FSYNC, SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR, FLUSH = 20, 21, 22, 23, 24, 25
OPENDIR, READDIR, RELEASEDIR, ACCESS, CREATE, INTERRUPT = 27, 28, 29, 34, 35, 36
BATCH_FORGET, FALLOCATE, READDIRPLUS, RENAME2, LSEEK = 42, 43, 44, 45, 46


def request(opcode, nodeid, args=b"", unique=1):
    header = struct.pack("<IIQQIIIHH", 40 + len(args), opcode, unique, nodeid, 0, 0, 0, 0, 0)
    return header + args


def record(req, room=4096):
    return struct.pack("<HI", room, len(req)) + req


def name(s):
    return s.encode() + b"\0"


def server_seed(requests, read_only=False):
    return bytes([2 if read_only else 0]) + b"".join(record(r) for r in requests)


read_in = lambda fh, off, size: struct.pack("<QQIIQII", fh, off, size, 0, 0, 0, 0)
open_in = lambda flags: struct.pack("<II", flags, 0)

seeds = {
    "lookup_read": server_seed([
        request(LOOKUP, 1, name("f")),
        request(OPEN, 2, open_in(0)),
        request(READ, 2, read_in(1, 0, 100)),
        request(LSEEK, 2, struct.pack("<QQII", 1, 0, 3, 0)),
        request(FLUSH, 2, struct.pack("<QIIQ", 1, 0, 0, 0)),
        request(RELEASE, 2, struct.pack("<QIIQ", 1, 0, 0, 0)),
        request(FORGET, 2, struct.pack("<Q", 1)),
    ]),
    "create_write": server_seed([
        request(CREATE, 1, struct.pack("<IIII", 2, 0o100644, 0o22, 0) + name("new")),
        request(WRITE, 2, struct.pack("<QQIIQII", 1, 0, 5, 0, 0, 0, 0) + b"hello"),
        request(FSYNC, 2, struct.pack("<QII", 1, 0, 0)),
        request(FALLOCATE, 2, struct.pack("<QQQII", 1, 0, 8192, 0, 0)),
        request(SETATTR, 2, struct.pack("<IIQQQQQQIIIIIIII", 0x1 | 0x8 | 0x80 | 0x100, 0, 0, 3, 0, 0, 0, 0,
                                        0, 0, 0, 0o600, 0, 0, 0, 0)),
        request(GETATTR, 2, struct.pack("<IIQ", 0, 0, 0)),
    ]),
    "directories": server_seed([
        request(MKDIR, 1, struct.pack("<II", 0o755, 0o22) + name("sub")),
        request(MKNOD, 2, struct.pack("<IIII", 0o10644, 0, 0, 0) + name("fifo")),
        request(OPENDIR, 1, open_in(0)),
        request(READDIRPLUS, 1, read_in(1, 0, 4096)),
        request(READDIR, 1, read_in(1, 0, 80)),
        request(RELEASEDIR, 1, struct.pack("<QIIQ", 1, 0, 0, 0)),
        request(UNLINK, 2, name("fifo")),
        request(RMDIR, 1, name("sub")),
        request(STATFS, 1),
    ]),
    "links": server_seed([
        request(LOOKUP, 1, name("f")),
        request(LINK, 1, struct.pack("<Q", 2) + name("hard")),
        request(SYMLINK, 1, name("sym") + name("../../etc/passwd")),
        request(READLINK, 3),
        request(LOOKUP, 1, name("d")),
        request(RENAME, 1, struct.pack("<Q", 4) + name("hard") + name("moved")),
        request(RENAME2, 4, struct.pack("<QII", 1, 2, 0) + name("moved") + name("f")),
        request(LOOKUP, 1, name("s")),
        request(LOOKUP, 5, name("etc")),
        request(BATCH_FORGET, 0, struct.pack("<II", 2, 0) + struct.pack("<QQ", 2, 1) + struct.pack("<QQ", 3, 1)),
        request(ACCESS, 1, struct.pack("<II", 4, 0)),
        request(INTERRUPT, 0, struct.pack("<Q", 1)),
    ]),
    "xattrs": server_seed([
        request(LOOKUP, 1, name("f")),
        request(SETXATTR, 2, struct.pack("<II", 3, 0) + name("user.k") + b"val"),
        request(GETXATTR, 2, struct.pack("<II", 0, 0) + name("user.k")),
        request(GETXATTR, 2, struct.pack("<II", 64, 0) + name("user.k")),
        request(LISTXATTR, 2, struct.pack("<II", 64, 0)),
        request(REMOVEXATTR, 2, name("user.k")),
    ]),
    "read_only": server_seed([
        request(LOOKUP, 1, name("f")),
        request(OPEN, 2, open_in(2)),
        request(CREATE, 1, struct.pack("<IIII", 2, 0o100644, 0, 0) + name("x")),
    ], read_only=True),
}


def device_seed():
    """A LOOKUP on the request queue: its descriptors at 0x10000, its
    available ring at 0x11000, the request at 0x14000, the reply at 0x15000."""
    memory = bytearray(0x14100 - 0x10000)
    def put(gpa, data):
        memory[gpa - 0x10000:gpa - 0x10000 + len(data)] = data
    req = request(LOOKUP, 1, name("f"))
    put(0x14000, req)
    put(0x10000, struct.pack("<QIHH", 0x14000, len(req), 1, 1))
    put(0x10010, struct.pack("<QIHH", 0x15000, 4096, 2, 0))
    put(0x11000, struct.pack("<HHH", 0, 1, 0))
    return bytes([1, 4]) + bytes(memory)  # device mode, queue size 16


os.makedirs(OUT, exist_ok=True)
for seed_name, data in seeds.items():
    with open(os.path.join(OUT, seed_name), "wb") as f:
        f.write(data)
with open(os.path.join(OUT, "device_lookup"), "wb") as f:
    f.write(device_seed())
