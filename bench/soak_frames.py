#!/usr/bin/python3
"""Bursts of malformed frames for bench/soak.sh: every kind of tests/Usrnet.LabTests/scripts/malformed.py
(truncated and lying IPv4, ICMP, UDP and ARP, bad checksums, absurd fragments, random bytes) and, added
here, broken TCP segments and IPv4 options aimed at the soak's listening ports:

  * TCP header cut short, data offset below 5 or beyond the packet, bad TCP checksum;
  * TCP options that lie (length 0 or 1, past the header, MSS/window scale/SACK/timestamps of the wrong
    length, a window shift above 14) with a correct checksum, so they reach the option parser, under
    flag combinations no state expects (SYN+FIN, SYN+RST, none, all);
  * IPv4 options with a bad length or pointer, and source routes (RFC 7126: dropped).

    ip netns exec NS /usr/bin/python3 soak_frames.py COUNT --dst-ip ADDR [--seed N] [--iface tap0]

Frame i is of kind i % len(kinds), details from a seeded generator. Prints one line of JSON: frames
sent and refused by the kernel.
"""

import argparse
import json
import os
import random
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Usrnet.LabTests", "scripts"))
import malformed  # noqa: E402  (the lab tests' generator, reused)
from malformed import ETHERNET_HEADER, IP_MIN_HEADER, checksum  # noqa: E402

IP_PROTOCOL_TCP = 6
TCP_MIN_HEADER = 20  # RFC 9293 §3.1
# TCP option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018).
OPT_END, OPT_NOP, OPT_MSS, OPT_WS, OPT_SACK_PERMITTED, OPT_SACK, OPT_TIMESTAMPS = 0, 1, 2, 3, 4, 5, 8
MAX_WINDOW_SHIFT = 14  # RFC 7323 §2.3
FLAG_FIN, FLAG_SYN, FLAG_RST, FLAG_PSH, FLAG_ACK, FLAG_URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
ODD_FLAGS = [FLAG_SYN | FLAG_FIN, FLAG_SYN | FLAG_RST, 0, 0xFF, FLAG_SYN, FLAG_ACK, FLAG_SYN | FLAG_ACK, FLAG_FIN | FLAG_URG | FLAG_PSH]
# IPv4 options (RFC 791 §3.1).
IPOPT_RR, IPOPT_LSRR, IPOPT_SSRR, IPOPT_TS = 7, 131, 137, 68
PORTS = [7, 1234, 1235]


class TcpFrames:
    def __init__(self, rng: random.Random, src_mac: bytes, dst_mac: bytes, src_ip: bytes, dst_ip: bytes):
        self.rng = rng
        self.ethernet = dst_mac + src_mac + struct.pack("!H", malformed.ETHERTYPE_IPV4)
        self.src_ip = src_ip
        self.dst_ip = dst_ip

    def ip_header(self, payload_length: int, options: bytes = b"", protocol: int = IP_PROTOCOL_TCP) -> bytes:
        options += b"\0" * (-len(options) % 4)
        ihl = (IP_MIN_HEADER + len(options)) // 4
        header = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + payload_length, self.rng.randrange(0x10000), 0,
                             64, protocol, 0, self.src_ip, self.dst_ip) + options
        return header[:10] + struct.pack("!H", checksum(header)) + header[12:]

    def tcp(self, options: bytes = b"", flags=None, offset=None, payload: bytes = b"", good_checksum=True) -> bytes:
        options += bytes([OPT_END]) * (-len(options) % 4)
        data_offset = offset if offset is not None else (TCP_MIN_HEADER + len(options)) // 4
        flags = self.rng.choice(ODD_FLAGS) if flags is None else flags
        header = struct.pack("!HHIIBBHHH", self.rng.randint(1024, 65535), self.rng.choice(PORTS), self.rng.getrandbits(32),
                             self.rng.getrandbits(32), (data_offset & 0x0F) << 4, flags & 0xFF, self.rng.randrange(0x10000), 0, 0)
        segment = header + options + payload
        pseudo = self.src_ip + self.dst_ip + struct.pack("!BBH", 0, IP_PROTOCOL_TCP, len(segment))
        value = checksum(pseudo + segment)
        if not good_checksum:
            value ^= self.rng.randint(1, 0xFFFF)
        return segment[:16] + struct.pack("!H", value) + segment[18:]

    def frame(self, segment: bytes, ip_options: bytes = b"") -> bytes:
        return self.ethernet + self.ip_header(len(segment), ip_options) + segment

    # --- the kinds ---------------------------------------------------------------------------

    def tcp_truncated(self) -> bytes:
        return self.frame(self.tcp(payload=self.rng.randbytes(8))[:self.rng.randint(0, TCP_MIN_HEADER - 1)])

    def tcp_offset_below_five(self) -> bytes:
        return self.frame(self.tcp(offset=self.rng.randint(0, 4), payload=self.rng.randbytes(self.rng.randint(0, 40))))

    def tcp_offset_beyond_packet(self) -> bytes:
        return self.frame(self.tcp(offset=self.rng.randint(6, 15), payload=self.rng.randbytes(self.rng.randint(0, 3))))

    def tcp_bad_checksum(self) -> bytes:
        return self.frame(self.tcp(flags=self.rng.choice([FLAG_SYN, FLAG_ACK, FLAG_ACK | FLAG_PSH]), payload=self.rng.randbytes(self.rng.randint(0, 100)), good_checksum=False))

    def tcp_bad_options(self) -> bytes:
        rng = self.rng
        lies = [
            bytes([OPT_MSS, 0]),  # length 0: the parser must not loop
            bytes([OPT_MSS, 1]),
            bytes([OPT_MSS, 3, 5]),
            bytes([OPT_WS, 2]),
            bytes([OPT_WS, 3, rng.randint(MAX_WINDOW_SHIFT + 1, 255)]),
            bytes([OPT_SACK_PERMITTED, 3, 0]),
            bytes([OPT_SACK, rng.choice([2, 3, 9, 11, 42])]) + rng.randbytes(8),
            bytes([OPT_TIMESTAMPS, rng.choice([2, 9, 11])]) + rng.randbytes(8),
            bytes([rng.randint(9, 253), rng.choice([0, 1, 40, 255])]),
            bytes([OPT_NOP] * rng.randint(1, 3)) + bytes([OPT_MSS, 40]),  # runs past the header
        ]
        options = b"".join(rng.sample(lies, rng.randint(1, 3)))[:40]
        return self.frame(self.tcp(options=options, payload=self.rng.randbytes(self.rng.randint(0, 64))))

    def ip_bad_options(self) -> bytes:
        rng = self.rng
        options = rng.choice([
            bytes([IPOPT_RR, 0]),
            bytes([IPOPT_RR, 1]),
            bytes([IPOPT_TS, 39]) + rng.randbytes(2),  # longer than what follows
            bytes([IPOPT_RR, 7, rng.choice([0, 1, 3, 200])]) + rng.randbytes(4),  # bad pointer
            bytes([rng.randint(0x80, 0xFF), rng.randint(2, 6)]) + rng.randbytes(4),
        ])
        return self.frame(self.tcp(flags=FLAG_SYN), ip_options=options)

    def ip_source_route(self) -> bytes:
        """A completed loose or strict source route (RFC 7126 §4.3/§4.4: drop)."""
        kind = self.rng.choice([IPOPT_LSRR, IPOPT_SSRR])
        hop = bytes([10, 0, 1, 2])
        options = bytes([kind, 7, 8]) + hop  # pointer past the last address: the route is complete
        segment = self.tcp(flags=FLAG_SYN)
        return self.frame(segment, ip_options=options)


TCP_KINDS = [
    TcpFrames.tcp_truncated,
    TcpFrames.tcp_offset_below_five,
    TcpFrames.tcp_offset_beyond_packet,
    TcpFrames.tcp_bad_checksum,
    TcpFrames.tcp_bad_options,
    TcpFrames.ip_bad_options,
    TcpFrames.ip_source_route,
]


def main() -> int:
    parser = argparse.ArgumentParser(description="Send a burst of malformed frames at the stack (inside the lab namespace).")
    parser.add_argument("count", type=int)
    parser.add_argument("--dst-ip", required=True, help="the stack's address")
    parser.add_argument("--dst-mac", default="06:11:22:33:44:55", help="the stack's MAC")
    parser.add_argument("--src-ip", default="10.0.0.101")
    parser.add_argument("--iface", default="tap0")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with open(f"/sys/class/net/{args.iface}/address") as f:
        src_mac = f.read().strip()
    rng = random.Random(args.seed)
    old = malformed.Frames(rng, src_mac, args.dst_mac, args.src_ip, args.dst_ip)
    new = TcpFrames(rng, bytes.fromhex(src_mac.replace(":", "")), bytes.fromhex(args.dst_mac.replace(":", "")),
                    socket.inet_aton(args.src_ip), socket.inet_aton(args.dst_ip))
    kinds = [(old, kind) for kind in malformed.KINDS] + [(new, kind) for kind in TCP_KINDS]
    sent = refused = 0
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((args.iface, 0))
        for i in range(args.count):
            generator, kind = kinds[i % len(kinds)]
            try:
                s.send(bytes(kind(generator)))
                sent += 1
            except OSError:
                refused += 1
    print(json.dumps({"mode": "malformed", "sent": sent, "refused": refused, "kinds": len(kinds)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
