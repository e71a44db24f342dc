#!/usr/bin/python3
"""A legitimate kernel TCP client for bench/synflood.sh: connects to HOST:PORT (an echo server),
sends up to BYTES and reads the echo back, for at most DURATION seconds, then prints one line

    connect C s; echoed E of BYTES bytes in S s

Exit 0 when the connect succeeded (whatever was echoed), 1 when it failed.
"""
import selectors
import socket
import sys
import time

host, port, total, duration = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
chunk = memoryview(bytes(64 * 1024))
start = time.monotonic()
try:
    s = socket.create_connection((host, port), timeout=duration)
except OSError as e:
    print(f"connect failed after {time.monotonic() - start:.2f} s: {e}", flush=True)
    sys.exit(1)
connected = time.monotonic()
s.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
sent = echoed = 0
deadline = start + duration
while echoed < total and time.monotonic() < deadline:
    for _, events in sel.select(timeout=max(0.0, deadline - time.monotonic())):
        if events & selectors.EVENT_READ:
            try:
                data = s.recv(256 * 1024)
            except BlockingIOError:
                data = None
            if data == b"":
                deadline = 0  # the server closed
            elif data:
                echoed += len(data)
        if events & selectors.EVENT_WRITE and sent < total:
            try:
                sent += s.send(chunk[: min(len(chunk), total - sent)])
            except BlockingIOError:
                pass
            if sent >= total:
                sel.modify(s, selectors.EVENT_READ)
print(f"connect {connected - start:.2f} s; echoed {echoed} of {total} bytes in {time.monotonic() - connected:.2f} s", flush=True)
s.close()
