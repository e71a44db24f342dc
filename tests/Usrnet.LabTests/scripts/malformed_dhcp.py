#!/usr/bin/python3
"""Sends broken DHCP replies at a stack whose DHCP client is looking for a lease, to check that it
counts and drops them and still gets a lease from a real server afterwards (docs/articles/design.md §2: malformed
input is counted and dropped, never thrown).

Every datagram is a well-formed Ethernet/IPv4/UDP broadcast from port 67 to port 68 (so it reaches the
client, checksums right); what is wrong is the BOOTP/DHCP message inside (RFC 2131 §2, RFC 2132), so a
correct client must drop every one: none can make a lease (the address offered, 10.0.0.240, is outside
the test's pool, and each offer lacks something a lease needs or is not for this client).
Run inside the lab's near namespace with Debian's python (it has python3-scapy):

    ip netns exec NS /usr/bin/python3 malformed_dhcp.py [COUNT] [--iface tap0] [--seed 1]

With --xid-from-discover it first waits for the client's DHCPDISCOVER and answers with its transaction
id, so that the broken replies get past the client's xid check to its option parser (RFC 2131 §4.1:
the client retransmits with the same xid). Datagram i is of kind KINDS[i % len(KINDS)]; details come
from a seeded generator, so a run is repeatable. Prints one line: how many were sent, per kind.
"""

import argparse
import random
import socket
import struct
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

MAGIC_COOKIE = b"\x63\x82\x53\x63"  # RFC 2131 §3
BOOTP_FIXED = 236  # op .. file, before the cookie (RFC 2131 §2)
OPTION_PAD, OPTION_END = 0, 255
OPTION_MESSAGE_TYPE, OPTION_OVERLOAD, OPTION_SERVER_ID, OPTION_LEASE_TIME, OPTION_MASK = 53, 52, 54, 51, 1
DHCPOFFER, DHCPACK = 2, 5


class Replies:
    def __init__(self, rng: random.Random, src_mac: str, client_mac: str, server_ip: str, xid=None):
        self.rng = rng
        self.xid = xid
        self.src_mac = src_mac
        self.client_mac = bytes.fromhex(client_mac.replace(":", ""))
        self.server_ip = socket.inet_aton(server_ip)

    def bootp(self, op=2, xid=None, chaddr=None, yiaddr="10.0.0.240") -> bytearray:
        """A BOOTREPLY's fixed part for the client's MAC, with its transaction id when known (else a random one)."""
        if xid is None:
            xid = self.xid if self.xid is not None else self.rng.getrandbits(32)
        fixed = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0, 0x8000, bytes(4),
                            socket.inet_aton(yiaddr), bytes(4), bytes(4), (chaddr or self.client_mac).ljust(16, b"\0"),
                            bytes(64), bytes(128))
        return bytearray(fixed)

    def options(self, message_type=DHCPOFFER, mask=(255, 255, 255, 0)) -> bytes:
        return (bytes([OPTION_MESSAGE_TYPE, 1, message_type, OPTION_SERVER_ID, 4]) + self.server_ip
                + bytes([OPTION_LEASE_TIME, 4]) + struct.pack("!I", 120)
                + bytes([OPTION_MASK, 4, *mask, OPTION_END]))

    def frame(self, payload: bytes) -> bytes:
        packet = (Ether(src=self.src_mac, dst="ff:ff:ff:ff:ff:ff")
                  / IP(src="10.0.0.101", dst="255.255.255.255") / UDP(sport=67, dport=68) / payload)
        return bytes(packet)

    # --- the kinds: each returns the UDP payload --------------------------------------------

    def too_short_for_bootp(self) -> bytes:
        return bytes(self.bootp())[: self.rng.randrange(0, BOOTP_FIXED)]

    def no_magic_cookie(self) -> bytes:
        return bytes(self.bootp()) + bytes(self.rng.getrandbits(8) for _ in range(4)) + self.options()

    def option_longer_than_the_message(self) -> bytes:
        return bytes(self.bootp()) + MAGIC_COOKIE + bytes([OPTION_MESSAGE_TYPE, 1, DHCPOFFER, OPTION_SERVER_ID, 200]) + self.server_ip

    def option_length_cut_off(self) -> bytes:
        return bytes(self.bootp()) + MAGIC_COOKIE + bytes([OPTION_MESSAGE_TYPE])

    def no_message_type(self) -> bytes:
        return bytes(self.bootp()) + MAGIC_COOKIE + self.options()[3:]

    def only_padding(self) -> bytes:
        return bytes(self.bootp()) + MAGIC_COOKIE + bytes([OPTION_PAD] * self.rng.randrange(1, 300))

    def overload_into_garbage(self) -> bytes:
        # Option 52 says sname and file hold options too; fill them with lengths that run past their fields.
        message = self.bootp()
        message[44:44 + 64] = bytes([OPTION_SERVER_ID, 250] + [0xEE] * 62)
        message[108:108 + 128] = bytes([OPTION_LEASE_TIME, 255] + [0xAB] * 126)
        return bytes(message) + MAGIC_COOKIE + bytes([OPTION_OVERLOAD, 1, 3]) + self.options()

    def bad_message_type_length(self) -> bytes:
        return bytes(self.bootp()) + MAGIC_COOKIE + bytes([OPTION_MESSAGE_TYPE, 4, DHCPOFFER, 0, 0, 0, OPTION_END])

    def unknown_message_type(self) -> bytes:
        return bytes(self.bootp()) + MAGIC_COOKIE + bytes([OPTION_MESSAGE_TYPE, 1, self.rng.choice([0, 9, 42, 255]), OPTION_END])

    def a_request_not_a_reply(self) -> bytes:
        return bytes(self.bootp(op=1)) + MAGIC_COOKIE + self.options()

    def for_another_client(self) -> bytes:
        return bytes(self.bootp(chaddr=bytes([2, 0, 0, 0, 0, self.rng.randrange(256)]))) + MAGIC_COOKIE + self.options()

    def unknown_transaction(self) -> bytes:
        return bytes(self.bootp(xid=self.rng.getrandbits(32))) + MAGIC_COOKIE + self.options()

    def ack_without_a_lease_time(self) -> bytes:
        return bytes(self.bootp()) + MAGIC_COOKIE + bytes([OPTION_MESSAGE_TYPE, 1, DHCPACK, OPTION_SERVER_ID, 4]) + self.server_ip + bytes([OPTION_END])

    def offer_of_a_broadcast_address(self) -> bytes:
        return bytes(self.bootp(yiaddr=self.rng.choice(["255.255.255.255", "0.0.0.0", "224.0.0.1"]))) + MAGIC_COOKIE + self.options()

    def offer_with_a_broken_mask(self) -> bytes:
        return bytes(self.bootp()) + MAGIC_COOKIE + self.options(mask=(255, 0, 255, 0))

    def random_bytes(self) -> bytes:
        return bytes(self.rng.getrandbits(8) for _ in range(self.rng.randrange(0, 600)))


KINDS = [
    Replies.too_short_for_bootp,
    Replies.no_magic_cookie,
    Replies.option_longer_than_the_message,
    Replies.option_length_cut_off,
    Replies.no_message_type,
    Replies.only_padding,
    Replies.overload_into_garbage,
    Replies.bad_message_type_length,
    Replies.unknown_message_type,
    Replies.a_request_not_a_reply,
    Replies.for_another_client,
    Replies.unknown_transaction,
    Replies.ack_without_a_lease_time,
    Replies.offer_of_a_broadcast_address,
    Replies.offer_with_a_broken_mask,
    Replies.random_bytes,
]


def discover_xid(sock: socket.socket, client_mac: bytes, timeout: float) -> int:
    """The transaction id of the first DHCPDISCOVER (UDP 68 -> 67, chaddr = the client) seen on the socket."""
    sock.settimeout(timeout)
    while True:
        frame = sock.recv(2048)
        if len(frame) < 14 + 20 + 8 + BOOTP_FIXED or frame[12:14] != b"\x08\x00":
            continue
        ihl = (frame[14] & 0x0F) * 4
        udp = 14 + ihl
        if frame[14 + 9] != 17 or frame[udp:udp + 4] != struct.pack("!HH", 68, 67):
            continue
        bootp = udp + 8
        if frame[bootp] == 1 and frame[bootp + 28:bootp + 34] == client_mac:
            return struct.unpack("!I", frame[bootp + 4:bootp + 8])[0]


def main() -> int:
    parser = argparse.ArgumentParser(description="Send broken DHCP replies at the stack (run inside the lab namespace).")
    parser.add_argument("count", nargs="?", type=int, default=1000, help="number of datagrams (default 1000)")
    parser.add_argument("--iface", default="tap0", help="interface to send on (default tap0)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--client-mac", default="06:11:22:33:44:55", help="the stack's MAC (chaddr of the replies)")
    parser.add_argument("--server-ip", default="10.0.0.101", help="server identifier of the replies")
    parser.add_argument("--xid-from-discover", type=float, metavar="SECONDS", help="wait up to SECONDS for the client's DHCPDISCOVER and use its xid")
    args = parser.parse_args()
    if args.count < 0:
        parser.error("count must not be negative")

    try:
        with open(f"/sys/class/net/{args.iface}/address") as f:
            src_mac = f.read().strip()
    except OSError as e:
        print(f"malformed_dhcp.py: no interface {args.iface}: {e}", file=sys.stderr)
        return 1

    sent = {kind.__name__: 0 for kind in KINDS}
    refused = 0
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800)) as s:
        s.bind((args.iface, 0))
        xid = None
        if args.xid_from_discover is not None:
            try:
                xid = discover_xid(s, bytes.fromhex(args.client_mac.replace(":", "")), args.xid_from_discover)
            except socket.timeout:
                print(f"malformed_dhcp.py: no DHCPDISCOVER from {args.client_mac} within {args.xid_from_discover} s", file=sys.stderr)
                return 1
        replies = Replies(random.Random(args.seed), src_mac, args.client_mac, args.server_ip, xid)
        for i in range(args.count):
            kind = KINDS[i % len(KINDS)]
            try:
                s.send(replies.frame(kind(replies)))
                sent[kind.__name__] += 1
            except OSError:
                refused += 1

    total = sum(sent.values())
    detail = " ".join(f"{name}={n}" for name, n in sent.items() if n)
    answering = f"xid {xid:#010x}" if xid is not None else "random xids"
    print(f"sent {total} malformed DHCP replies on {args.iface} ({answering}, seed {args.seed}, refused {refused}): {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
