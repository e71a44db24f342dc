#!/usr/bin/python3
"""A kernel UDP echo server (RFC 862) for the lab: sends every datagram back to its sender. Prints
"listening on ADDR:PORT" once bound (tests wait for it), then one line per datagram unless --quiet.
Runs until killed, or until --idle seconds pass without a datagram.

    ip netns exec NS-far /usr/bin/python3 udp_echo_server.py 7007 [--bind 0.0.0.0] [--idle 60]
"""

import argparse
import socket
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description="Echo UDP datagrams back to their sender.")
    parser.add_argument("port", type=int)
    parser.add_argument("--bind", default="0.0.0.0", help="address to bind (default all)")
    parser.add_argument("--idle", type=float, default=60.0, help="exit after this many seconds without a datagram (default 60)")
    parser.add_argument("--quiet", action="store_true", help="no line per datagram")
    args = parser.parse_args()

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((args.bind, args.port))
        s.settimeout(args.idle)
        print(f"listening on {args.bind}:{args.port}", flush=True)
        echoed = 0
        while True:
            try:
                data, peer = s.recvfrom(65535)
            except socket.timeout:
                print(f"idle for {args.idle} s after {echoed} datagrams: exiting", flush=True)
                return 0
            s.sendto(data, peer)
            echoed += 1
            if not args.quiet:
                print(f"echoed {len(data)} bytes to {peer[0]}:{peer[1]}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
