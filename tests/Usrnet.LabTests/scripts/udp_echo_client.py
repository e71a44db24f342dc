#!/usr/bin/python3
"""A UDP echo client that counts datagrams (socat and nc send one datagram per read, so they
cannot: DESIGN.md §3). Sends COUNT datagrams to ADDR PORT one at a time, waits for each echo,
prints one line per reply, and exits 1 if a reply is missing or differs from what was sent.
The socket is connected, so only replies from ADDR PORT count, and an ICMP port unreachable is
reported as such instead of a timeout.

    ip netns exec NS /usr/bin/python3 udp_echo_client.py 10.0.0.102 7 [--count 3] [--size 0] [--timeout 2]
"""

import argparse
import socket
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description="Send datagrams to a UDP echo server and check the replies.")
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("--count", type=int, default=3, help="datagrams to send (default 3)")
    parser.add_argument("--size", type=int, default=0, help="payload size in bytes (default: a short text)")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for each reply (default 2)")
    args = parser.parse_args()

    lost = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(args.timeout)
        s.connect((args.address, args.port))
        for i in range(args.count):
            text = f"datagram {i} from {socket.gethostname()}".encode()
            message = (text * (args.size // len(text) + 1))[:args.size] if args.size else text
            try:
                s.send(message)
                reply, peer = s.recvfrom(65535)
            except socket.timeout:
                print(f"datagram {i}: no reply within {args.timeout} s")
                lost += 1
                continue
            except ConnectionRefusedError:
                print(f"datagram {i}: port unreachable")
                lost += 1
                continue
            if reply != message:
                print(f"datagram {i}: {peer[0]}:{peer[1]} replied {len(reply)} bytes that differ from the {len(message)} sent")
                lost += 1
            elif args.size:
                print(f"datagram {i}: {peer[0]}:{peer[1]} echoed {len(reply)} bytes")
            else:
                print(f"datagram {i}: {peer[0]}:{peer[1]} echoed {reply.decode()!r}")
    print(f"{args.count - lost} of {args.count} datagrams echoed")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
