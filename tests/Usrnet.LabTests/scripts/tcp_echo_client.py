#!/usr/bin/python3
"""A kernel TCP echo client for the lab: opens C connections at once (selectors, one thread), sends
N bytes of seeded data on each (distinct per connection), half-closes (shutdown SHUT_WR) once all
is sent, and reads the echo concurrently until EOF. Every byte that comes back is checked against
what was sent (SHA-256 of both streams, and the offset of the first wrong byte).

    ip netns exec NS /usr/bin/python3 tcp_echo_client.py 10.0.0.102 7 --bytes 100000000 [--connections 1]

Prints one line per failed connection, then
    "C of C connections echoed byte-identical: sent X bytes, received Y bytes in S s"
and, for one connection, "sha256 sent HEX received HEX". Exit 0 when all are identical, 1 otherwise.
When nothing moves on any connection for --stall seconds (or --deadline passes) it prints every
unfinished connection's progress and `ss -tin` of this namespace, and exits 2.
"""

import argparse
import errno
import hashlib
import selectors
import socket
import subprocess
import sys
import time

from seeded import SeededData, first_mismatch

CHUNK = 256 * 1024


class Connection:
    def __init__(self, index: int, seed: str, total: int, address) -> None:
        self.index = index
        self.total = total
        self.data = SeededData(f"{seed}-{index}")
        self.expected = SeededData(f"{seed}-{index}")
        self.sent = 0
        self.received = 0
        self.sha_sent = hashlib.sha256()
        self.sha_received = hashlib.sha256()
        self.mismatch = -1
        self.error = None
        self.eof = False
        self.shut = False
        self.connected = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        rc = self.sock.connect_ex(address)
        if rc not in (0, errno.EINPROGRESS):
            self.error = f"connect: {errno.errorcode.get(rc, rc)}"
        self.local = None

    @property
    def done(self) -> bool:
        return self.error is not None or self.eof

    def describe(self) -> str:
        return (f"connection {self.index} ({self.local or '?'}): sent {self.sent} of {self.total}, received {self.received}"
                f"{', half-closed' if self.shut else ''}{', EOF' if self.eof else ''}"
                f"{', first wrong byte at ' + str(self.mismatch) if self.mismatch >= 0 else ''}"
                f"{', error ' + self.error if self.error else ''}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Send seeded data on C TCP connections and check the echo.")
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("--bytes", type=int, default=65536, help="bytes per connection")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--stall", type=float, default=15.0, help="give up after this many seconds without progress")
    parser.add_argument("--deadline", type=float, default=50.0, help="give up after this many seconds in all")
    args = parser.parse_args()

    start = time.monotonic()
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(args.connections):
        c = Connection(i, args.seed, args.bytes, (args.address, args.port))
        conns.append(c)
        if c.error is None:
            sel.register(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    last_progress = time.monotonic()
    open_count = sum(1 for c in conns if not c.done)
    while open_count > 0:
        now = time.monotonic()
        if now - last_progress > args.stall or now - start > args.deadline:
            why = f"no progress for {now - last_progress:.1f} s" if now - last_progress > args.stall else f"deadline of {args.deadline} s passed"
            print(f"STALLED: {why}; {open_count} connections unfinished", flush=True)
            for c in conns:
                if not c.done:
                    print("  " + c.describe(), flush=True)
            ss = subprocess.run(["ss", "-tin"], capture_output=True, text=True)
            print("ss -tin:\n" + ss.stdout, flush=True)
            return 2
        for key, events in sel.select(timeout=0.5):
            c = key.data
            if not c.connected:
                rc = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if rc != 0:
                    c.error = f"connect: {errno.errorcode.get(rc, rc)}"
                    sel.unregister(c.sock)
                    c.sock.close()
                    open_count -= 1
                    continue
                if events & selectors.EVENT_WRITE or events & selectors.EVENT_READ:
                    c.connected = True
                    c.local = "%s:%d" % c.sock.getsockname()
            try:
                if events & selectors.EVENT_WRITE and not c.shut:
                    if c.sent < c.total:
                        chunk = c.data.read(c.sent, min(CHUNK, c.total - c.sent))
                        n = c.sock.send(chunk)
                        c.sha_sent.update(chunk[:n])
                        c.sent += n
                        if n:
                            last_progress = time.monotonic()
                    if c.sent >= c.total:
                        c.sock.shutdown(socket.SHUT_WR)
                        c.shut = True
                        sel.modify(c.sock, selectors.EVENT_READ, c)
                if events & selectors.EVENT_READ:
                    got = c.sock.recv(CHUNK)
                    if not got:
                        c.eof = True
                    else:
                        last_progress = time.monotonic()
                        if c.mismatch < 0:
                            want = c.expected.read(c.received, len(got))
                            at = first_mismatch(want, got)
                            if at >= 0:
                                c.mismatch = c.received + at
                        c.sha_received.update(got)
                        c.received += len(got)
            except BlockingIOError:
                pass
            except OSError as e:
                c.error = f"{type(e).__name__}: {e.strerror or e}"
            if c.done:
                sel.unregister(c.sock)
                c.sock.close()
                open_count -= 1

    elapsed = time.monotonic() - start
    good = 0
    for c in conns:
        ok = c.error is None and c.sent == c.total and c.received == c.total and c.mismatch < 0 \
            and c.sha_sent.digest() == c.sha_received.digest()
        if ok:
            good += 1
        else:
            print("FAILED " + c.describe(), flush=True)
    sent = sum(c.sent for c in conns)
    received = sum(c.received for c in conns)
    print(f"{good} of {len(conns)} connections echoed byte-identical: sent {sent} bytes, received {received} bytes in {elapsed:.2f} s", flush=True)
    if len(conns) == 1:
        print(f"sha256 sent {conns[0].sha_sent.hexdigest()} received {conns[0].sha_received.hexdigest()}", flush=True)
    return 0 if good == len(conns) else 1


if __name__ == "__main__":
    sys.exit(main())
