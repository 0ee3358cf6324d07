"""read_port.py HOST PORT: connects, prints everything the peer sends until
it closes (the tests' client for a guest's published port)."""
import socket
import sys

with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10) as s:
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
sys.stdout.write(data.decode(errors="replace"))
