#!/usr/bin/python3
"""A UDP echo client that counts datagrams (socat and nc send one datagram per read, so they
cannot: docs/articles/design.md §3). Sends COUNT datagrams to ADDR PORT one at a time, waits for each echo,
prints one line per reply, and exits 1 if a reply is missing or differs from what was sent.
The socket is connected, so only replies from ADDR PORT count, and an ICMP port unreachable is
reported as such instead of a timeout.

    ip netns exec NS /usr/bin/python3 udp_echo_client.py 10.0.0.102 7 [--count 3] [--size 0] [--timeout 2]

With --sizes LOW-HIGH the datagrams carry seeded random bytes of sizes spread evenly over LOW..HIGH
(both ends included), sent alternately from the small and the large end; only lost or differing
datagrams get a line, and a datagram whose reply does not come within --timeout is sent again up to
--retries times (a late reply to an earlier datagram is recognised and skipped):

    ip netns exec NS /usr/bin/python3 udp_echo_client.py 10.0.0.102 7 --count 1000 --sizes 1-1472 --timeout 0.5 --retries 3
"""

import argparse
import random
import socket
import sys
import time


def spread_sizes(count: int, low: int, high: int) -> list:
    """COUNT sizes from LOW to HIGH, evenly spaced, ordered smallest, largest, 2nd smallest, 2nd largest..."""
    if count == 1:
        return [low]
    ascending = [low + (i * (high - low)) // (count - 1) for i in range(count)]
    order = []
    i, j = 0, count - 1
    while i <= j:
        order.append(ascending[i])
        if i != j:
            order.append(ascending[j])
        i, j = i + 1, j - 1
    return order


def run_sizes(args, low: int, high: int) -> int:
    """The many-datagram mode: every datagram must come back byte-identical, retries allowed."""
    rng = random.Random(args.seed)
    sizes = spread_sizes(args.count, low, high)
    sent_before = set()
    lost, resent, stale = [], 0, 0
    started = time.monotonic()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((args.address, args.port))
        for i, size in enumerate(sizes):
            message = rng.randbytes(size)
            outcome = None
            for attempt in range(args.retries + 1):
                if attempt:
                    resent += 1
                try:
                    s.send(message)
                except ConnectionRefusedError:
                    outcome = "port unreachable"
                    break
                deadline = time.monotonic() + args.timeout
                while outcome is None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    s.settimeout(left)
                    try:
                        reply = s.recv(65535)
                    except socket.timeout:
                        break
                    except ConnectionRefusedError:
                        outcome = "port unreachable"
                        break
                    if reply == message:
                        outcome = "echoed"
                    elif reply in sent_before:
                        stale += 1  # a late echo of an earlier datagram (or a duplicate)
                    else:
                        outcome = f"reply of {len(reply)} bytes differs from the {size} sent"
                if outcome is not None:
                    break
            sent_before.add(message)
            if outcome != "echoed":
                lost.append(i)
                print(f"datagram {i} ({size} bytes): {outcome or f'no reply after {args.retries + 1} tries of {args.timeout} s'}")
    elapsed = time.monotonic() - started
    print(f"{args.count - len(lost)} of {args.count} datagrams echoed (sizes {low}-{high}, {resent} resent, {stale} late replies skipped, {elapsed:.2f} s)")
    if lost:
        print(f"lost: {' '.join(map(str, lost))}")
    return 1 if lost else 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Send datagrams to a UDP echo server and check the replies.")
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("--count", type=int, default=3, help="datagrams to send (default 3)")
    parser.add_argument("--size", type=int, default=0, help="payload size in bytes (default: a short text)")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for each reply (default 2)")
    parser.add_argument("--sizes", metavar="LOW-HIGH", help="random payloads with sizes spread over LOW..HIGH bytes (see above)")
    parser.add_argument("--retries", type=int, default=0, help="with --sizes: times to resend a datagram whose reply is late (default 0)")
    parser.add_argument("--seed", type=int, default=1, help="with --sizes: seed of the payload bytes (default 1)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.sizes is not None:
        try:
            low, high = (int(part) for part in args.sizes.split("-"))
        except ValueError:
            parser.error(f"--sizes: expected LOW-HIGH, got {args.sizes!r}")
        if not 0 <= low <= high <= 65507:
            parser.error(f"--sizes: need 0 <= LOW <= HIGH <= 65507, got {args.sizes}")
        return run_sizes(args, low, high)

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
