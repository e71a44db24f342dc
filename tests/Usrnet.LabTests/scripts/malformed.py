#!/usr/bin/python3
"""Sends malformed Ethernet frames at the stack, to check that it counts and drops them and keeps
answering (docs/articles/design.md §2: malformed input is counted and dropped, never thrown).

Run inside the lab's near namespace with Debian's python (it has python3-scapy):

    ip netns exec NS /usr/bin/python3 malformed.py [COUNT] [--iface tap0] [--seed 1]

Frame i is of kind KINDS[i % len(KINDS)], so every kind is sent even for a small COUNT; the details
(lengths, offsets, bytes) come from a seeded generator, so a run is repeatable. Prints one line:
how many frames were sent, per kind. Frames the kernel refuses to send are counted as refused.
"""

import argparse
import random
import socket
import struct
import sys

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import ARP, Ether

ETHERNET_HEADER = 14
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_ARP = 0x0806
# IPv4 header field offsets inside the frame (RFC 791 §3.1).
IP_VERSION_IHL = ETHERNET_HEADER + 0
IP_TOTAL_LENGTH = ETHERNET_HEADER + 2
IP_FLAGS_FRAGMENT = ETHERNET_HEADER + 6
IP_CHECKSUM = ETHERNET_HEADER + 10
IP_MIN_HEADER = 20
L4 = ETHERNET_HEADER + IP_MIN_HEADER
ICMP_CHECKSUM = L4 + 2  # RFC 792
UDP_LENGTH = L4 + 4  # RFC 768
UDP_CHECKSUM = L4 + 6
# ARP field offsets (RFC 826).
ARP_HTYPE = ETHERNET_HEADER + 0
ARP_PTYPE = ETHERNET_HEADER + 2
ARP_HLEN = ETHERNET_HEADER + 4
ARP_PLEN = ETHERNET_HEADER + 5
ARP_LENGTH = 28
FLAG_MORE_FRAGMENTS = 0x2000
MAX_FRAGMENT_OFFSET = 0x1FFF  # in 8-byte units: 65528 bytes
MAX_FRAME = ETHERNET_HEADER + 1500


def checksum(data: bytes) -> int:
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def fix_ip_checksum(frame: bytearray) -> bytearray:
    """Recomputes the header checksum, so that the one field we broke is the only thing wrong."""
    ihl = frame[IP_VERSION_IHL] & 0x0F
    length = ihl * 4 if ihl >= 5 and ETHERNET_HEADER + ihl * 4 <= len(frame) else IP_MIN_HEADER
    struct.pack_into("!H", frame, IP_CHECKSUM, 0)
    struct.pack_into("!H", frame, IP_CHECKSUM, checksum(bytes(frame[ETHERNET_HEADER:ETHERNET_HEADER + length])))
    return frame


class Frames:
    def __init__(self, rng: random.Random, src_mac: str, dst_mac: str, src_ip: str, dst_ip: str):
        self.rng = rng
        self.src_mac = src_mac
        self.dst_mac = dst_mac
        self.src_ip = src_ip
        self.dst_ip = dst_ip

    def payload(self, low=0, high=64) -> bytes:
        return self.rng.randbytes(self.rng.randint(low, high))

    def ether(self, ethertype=ETHERTYPE_IPV4):
        return Ether(dst=self.dst_mac, src=self.src_mac, type=ethertype)

    def ip(self, **fields):
        return IP(src=self.src_ip, dst=self.dst_ip, id=self.rng.randrange(0x10000), **fields)

    def icmp_echo(self) -> bytearray:
        icmp = ICMP(type=8, id=self.rng.randrange(0x10000), seq=self.rng.randrange(0x10000))
        return bytearray(bytes(self.ether() / self.ip() / icmp / self.payload(0, 256)))

    def udp(self) -> bytearray:
        udp = UDP(sport=self.rng.randint(1024, 65535), dport=self.rng.choice([7, 9, 53, 33434, self.rng.randint(1, 65535)]))
        return bytearray(bytes(self.ether() / self.ip() / udp / self.payload(1, 256)))

    def ipv4(self) -> bytearray:
        return self.icmp_echo() if self.rng.random() < 0.5 else self.udp()

    def arp(self) -> bytearray:
        arp = ARP(op=self.rng.choice([1, 2]), hwsrc=self.src_mac, psrc=self.src_ip, pdst=self.dst_ip)
        return bytearray(bytes(self.ether(ETHERTYPE_ARP) / arp))

    # --- the kinds ---------------------------------------------------------------------------

    def truncated(self) -> bytes:
        """A valid IPv4 or ARP frame cut short anywhere past the Ethernet header."""
        frame = self.ipv4() if self.rng.random() < 0.7 else self.arp()
        return bytes(frame[:self.rng.randint(ETHERNET_HEADER, len(frame) - 1)])

    def ip_header_cut(self) -> bytes:
        """Fewer than 20 bytes of IPv4 header."""
        return bytes(self.ipv4()[:self.rng.randint(ETHERNET_HEADER, L4 - 1)])

    def ip_total_length_too_long(self) -> bytes:
        frame = self.ipv4()
        actual = len(frame) - ETHERNET_HEADER
        struct.pack_into("!H", frame, IP_TOTAL_LENGTH, self.rng.choice([actual + 1, actual + self.rng.randint(2, 1000), 0xFFFF]))
        return bytes(fix_ip_checksum(frame))

    def ip_total_length_too_short(self) -> bytes:
        frame = self.ipv4()
        struct.pack_into("!H", frame, IP_TOTAL_LENGTH, self.rng.randint(0, IP_MIN_HEADER - 1))
        return bytes(fix_ip_checksum(frame))

    def ip_bad_checksum(self) -> bytes:
        frame = fix_ip_checksum(self.ipv4())
        good = struct.unpack_from("!H", frame, IP_CHECKSUM)[0]
        struct.pack_into("!H", frame, IP_CHECKSUM, good ^ self.rng.randint(1, 0xFFFF))
        return bytes(frame)

    def ip_ihl_below_five(self) -> bytes:
        frame = self.ipv4()
        frame[IP_VERSION_IHL] = 0x40 | self.rng.randint(0, 4)
        return bytes(fix_ip_checksum(frame))

    def ip_ihl_beyond_packet(self) -> bytes:
        """IHL claims options that the packet is too short to hold."""
        frame = self.ipv4()
        ihl = self.rng.randint(6, 15)
        frame = frame[:ETHERNET_HEADER + self.rng.randint(IP_MIN_HEADER, ihl * 4 - 1)]
        frame[IP_VERSION_IHL] = 0x40 | ihl
        struct.pack_into("!H", frame, IP_TOTAL_LENGTH, len(frame) - ETHERNET_HEADER)
        return bytes(fix_ip_checksum(frame))

    def ip_bad_version(self) -> bytes:
        frame = self.ipv4()
        frame[IP_VERSION_IHL] = (self.rng.choice([0, 1, 5, 6, 7, 15]) << 4) | (frame[IP_VERSION_IHL] & 0x0F)
        return bytes(fix_ip_checksum(frame))

    def icmp_bad_checksum(self) -> bytes:
        frame = self.icmp_echo()
        good = struct.unpack_from("!H", frame, ICMP_CHECKSUM)[0]
        struct.pack_into("!H", frame, ICMP_CHECKSUM, good ^ self.rng.randint(1, 0xFFFF))
        return bytes(frame)

    def icmp_too_short(self) -> bytes:
        """An IPv4 packet whose ICMP message is shorter than the 8-byte echo header."""
        frame = self.icmp_echo()[:L4 + self.rng.randint(0, 7)]
        struct.pack_into("!H", frame, IP_TOTAL_LENGTH, len(frame) - ETHERNET_HEADER)
        return bytes(fix_ip_checksum(frame))

    def udp_bad_checksum(self) -> bytes:
        frame = self.udp()
        good = struct.unpack_from("!H", frame, UDP_CHECKSUM)[0]
        # 0 would mean "no checksum" (RFC 768), which is legal; any other wrong value is not.
        bad = good ^ self.rng.randint(1, 0xFFFF)
        struct.pack_into("!H", frame, UDP_CHECKSUM, bad if bad != 0 else good ^ 1)
        return bytes(frame)

    def udp_length_lies(self) -> bytes:
        frame = self.udp()
        actual = len(frame) - L4
        lie = self.rng.choice([0, self.rng.randint(1, 7), actual + 1, actual + self.rng.randint(2, 1000), 0xFFFF])
        struct.pack_into("!H", frame, UDP_LENGTH, lie)
        return bytes(frame)

    def fragment_absurd_offset(self) -> bytes:
        """A fragment that would end past 65535 bytes (the ping of death) or sits at the last offset."""
        frame = self.ipv4()
        flags = FLAG_MORE_FRAGMENTS if self.rng.random() < 0.5 else 0
        offset = self.rng.randint(MAX_FRAGMENT_OFFSET - 16, MAX_FRAGMENT_OFFSET)
        struct.pack_into("!H", frame, IP_FLAGS_FRAGMENT, flags | offset)
        return bytes(fix_ip_checksum(frame))

    def fragment_never_completed(self) -> bytes:
        """A first fragment (or a tiny, zero-length or misaligned one) whose rest never comes: reassembly must expire it."""
        frame = self.ipv4()
        keep = self.rng.choice([0, 1, 7, 8, 16])
        frame = frame[:L4 + keep]
        struct.pack_into("!H", frame, IP_TOTAL_LENGTH, len(frame) - ETHERNET_HEADER)
        struct.pack_into("!H", frame, IP_FLAGS_FRAGMENT, FLAG_MORE_FRAGMENTS | self.rng.choice([0, 0, 1, self.rng.randint(1, 1000)]))
        return bytes(fix_ip_checksum(frame))

    def arp_bad_lengths(self) -> bytes:
        frame = self.arp()
        hlen, plen = 6, 4
        while (hlen, plen) == (6, 4):
            hlen = self.rng.choice([0, 1, 5, 7, 8, 16, 255])
            plen = self.rng.choice([0, 2, 4, 6, 16, 255])
        frame[ARP_HLEN] = hlen
        frame[ARP_PLEN] = plen
        return bytes(frame)

    def arp_bad_types(self) -> bytes:
        frame = self.arp()
        if self.rng.random() < 0.5:
            struct.pack_into("!H", frame, ARP_HTYPE, self.rng.choice([0, 6, 0xFFFF]))
        else:
            struct.pack_into("!H", frame, ARP_PTYPE, self.rng.choice([0, 0x86DD, 0x0806, 0xFFFF]))
        return bytes(frame)

    def arp_too_short(self) -> bytes:
        return bytes(self.arp()[:ETHERNET_HEADER + self.rng.randint(0, ARP_LENGTH - 1)])

    def random_bytes(self) -> bytes:
        """Random bytes behind a header addressed to the stack, with an IPv4, ARP or random EtherType."""
        ethertype = self.rng.choice([ETHERTYPE_IPV4, ETHERTYPE_ARP, self.rng.randrange(0x10000)])
        header = bytes(self.ether(ethertype))
        return header + self.rng.randbytes(self.rng.randint(0, MAX_FRAME - ETHERNET_HEADER))


KINDS = [
    Frames.truncated,
    Frames.ip_header_cut,
    Frames.ip_total_length_too_long,
    Frames.ip_total_length_too_short,
    Frames.ip_bad_checksum,
    Frames.ip_ihl_below_five,
    Frames.ip_ihl_beyond_packet,
    Frames.ip_bad_version,
    Frames.icmp_bad_checksum,
    Frames.icmp_too_short,
    Frames.udp_bad_checksum,
    Frames.udp_length_lies,
    Frames.fragment_absurd_offset,
    Frames.fragment_never_completed,
    Frames.arp_bad_lengths,
    Frames.arp_bad_types,
    Frames.arp_too_short,
    Frames.random_bytes,
]


def main() -> int:
    parser = argparse.ArgumentParser(description="Send malformed frames at the stack (run inside the lab namespace).")
    parser.add_argument("count", nargs="?", type=int, default=1000, help="number of frames (default 1000)")
    parser.add_argument("--iface", default="tap0", help="interface to send on (default tap0)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--dst-mac", default="06:11:22:33:44:55", help="the stack's MAC")
    parser.add_argument("--dst-ip", default="10.0.0.102", help="the stack's address")
    parser.add_argument("--src-ip", default="10.0.0.101", help="source address of the frames")
    args = parser.parse_args()
    if args.count < 0:
        parser.error("count must not be negative")

    try:
        with open(f"/sys/class/net/{args.iface}/address") as f:
            src_mac = f.read().strip()
    except OSError as e:
        print(f"malformed.py: no interface {args.iface}: {e}", file=sys.stderr)
        return 1

    frames = Frames(random.Random(args.seed), src_mac, args.dst_mac, args.src_ip, args.dst_ip)
    sent = {kind.__name__: 0 for kind in KINDS}
    refused = 0
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((args.iface, 0))
        for i in range(args.count):
            kind = KINDS[i % len(KINDS)]
            frame = kind(frames)
            try:
                s.send(frame)
                sent[kind.__name__] += 1
            except OSError:
                refused += 1

    total = sum(sent.values())
    detail = " ".join(f"{name}={n}" for name, n in sent.items() if n)
    print(f"sent {total} malformed frames on {args.iface} (seed {args.seed}, refused {refused}): {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
