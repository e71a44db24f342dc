#!/usr/bin/python3
"""Kernel TCP client for `usrnet bench writer`: sends BYTES zero bytes to HOST:PORT from one large
buffer (no pipe in between, so the client is not the bottleneck), then closes."""
import socket
import sys

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
chunk = memoryview(bytes(4 << 20))
with socket.create_connection((host, port)) as s:
    left = total
    while left > 0:
        n = min(left, len(chunk))
        s.sendall(chunk[:n])
        left -= n
