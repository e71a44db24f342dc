#!/usr/bin/python3
"""A kernel TCP client that sends BYTES to ADDR:PORT, keeps its side open, and reports how and when
the peer ends the connection: one line

    sent BYTES; peer closed by fin|reset after SECONDS s        exit 0
    sent BYTES; still open after --wait seconds                 exit 5

    ip netns exec NS /usr/bin/python3 tcp_send_then_wait.py 10.0.0.102 1235 10000000
"""

import argparse
import socket
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description="Send bytes, then wait for the peer to close.")
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("bytes", type=int)
    parser.add_argument("--wait", type=float, default=20.0)
    args = parser.parse_args()

    chunk = memoryview(bytes(1 << 20))
    with socket.create_connection((args.address, args.port), timeout=args.wait) as s:
        left = args.bytes
        while left > 0:
            n = min(left, len(chunk))
            s.sendall(chunk[:n])
            left -= n
        done = time.monotonic()
        how = "fin"
        try:
            while s.recv(65536):
                pass
        except socket.timeout:
            print(f"sent {args.bytes}; still open after {args.wait} s", flush=True)
            return 5
        except ConnectionResetError:
            how = "reset"
        print(f"sent {args.bytes}; peer closed by {how} after {time.monotonic() - done:.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
