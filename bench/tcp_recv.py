#!/usr/bin/python3
"""Kernel TCP client for `usrnet bench reader`: reads from HOST:PORT into one large buffer until EOF
and prints the byte count."""
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
buffer = bytearray(4 << 20)
total = 0
with socket.create_connection((host, port)) as s:
    while True:
        n = s.recv_into(buffer)
        if n == 0:
            break
        total += n
print(total)
