#!/usr/bin/python3
"""A kernel TCP server for the lab: accepts one connection, reads it until EOF into a SHA-256, then
sends --send-bytes bytes of its own seeded data (seeded.py), half-closes, waits for the peer's
close, and exits. Prints:

    listening on ADDR:PORT
    accepted PEER
    received N bytes sha256 HEX in S s
    sent M bytes sha256 HEX in S s      (handed to the kernel)
    closed

    ip netns exec NS-far /usr/bin/python3 tcp_hash_server.py 5001 --send-bytes 100000000 --seed 2

When nothing moves for --stall seconds it prints its progress and `ss -tin` of this namespace and
exits 2; a connection error exits 1.
"""

import argparse
import hashlib
import socket
import subprocess
import sys
import time

from seeded import SeededData

CHUNK = 256 * 1024


def stalled(what: str) -> int:
    print(f"STALLED: {what}", flush=True)
    ss = subprocess.run(["ss", "-tin"], capture_output=True, text=True)
    print("ss -tin:\n" + ss.stdout, flush=True)
    return 2


def main() -> int:
    parser = argparse.ArgumentParser(description="Hash one TCP connection's bytes, then send seeded data back.")
    parser.add_argument("port", type=int)
    parser.add_argument("--bind", default="0.0.0.0")
    parser.add_argument("--send-bytes", type=int, default=0)
    parser.add_argument("--seed", default="2")
    parser.add_argument("--stall", type=float, default=15.0, help="give up after this many seconds without progress")
    parser.add_argument("--accept-timeout", type=float, default=30.0)
    args = parser.parse_args()

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((args.bind, args.port))
        listener.listen(1)
        listener.settimeout(args.accept_timeout)
        print(f"listening on {args.bind}:{args.port}", flush=True)
        try:
            conn, peer = listener.accept()
        except socket.timeout:
            print(f"no connection within {args.accept_timeout} s", flush=True)
            return 1
    print(f"accepted {peer[0]}:{peer[1]}", flush=True)
    start = time.monotonic()
    conn.settimeout(args.stall)
    received = 0
    digest = hashlib.sha256()
    buf = bytearray(CHUNK)
    try:
        while True:
            try:
                n = conn.recv_into(buf)
            except socket.timeout:
                return stalled(f"receiving: {received} bytes received, no more for {args.stall} s")
            if n == 0:
                break
            digest.update(memoryview(buf)[:n])
            received += n
        print(f"received {received} bytes sha256 {digest.hexdigest()} in {time.monotonic() - start:.2f} s", flush=True)
        start = time.monotonic()

        data = SeededData(args.seed)
        sent = 0
        digest = hashlib.sha256()
        while sent < args.send_bytes:
            chunk = data.read(sent, min(CHUNK, args.send_bytes - sent))
            view = memoryview(chunk)
            while view:
                try:
                    n = conn.send(view)
                except socket.timeout:
                    return stalled(f"sending: {sent} of {args.send_bytes} bytes handed to the kernel, none taken for {args.stall} s")
                digest.update(view[:n])
                view = view[n:]
                sent += n
        print(f"sent {sent} bytes sha256 {digest.hexdigest()} in {time.monotonic() - start:.2f} s", flush=True)
        conn.shutdown(socket.SHUT_WR)
        # Wait for the peer's FIN, so the last bytes are not cut off by a reset from close().
        deadline = time.monotonic() + args.stall
        while True:
            try:
                if conn.recv(CHUNK) == b"":
                    break
            except socket.timeout:
                return stalled(f"closing: all {sent} bytes sent, the peer did not close within {args.stall} s")
            if time.monotonic() > deadline:
                return stalled(f"closing: all {sent} bytes sent, the peer kept sending after its EOF")
        print(f"closed after {time.monotonic() - start:.2f} s", flush=True)
        return 0
    except OSError as e:
        print(f"error: {type(e).__name__}: {e.strerror or e}", flush=True)
        return 1
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
