#!/usr/bin/python3
"""Attaches to a TAP device where the stack would, sends a router solicitation (RFC 4861 §6.3.7) and
prints the first router advertisement that comes back, one line:

  RA from fe80::1 lifetime 1800 prefix fd00:0:0:1::/64 L=1 A=1 mtu 1400 rdnss fd00:0:0:1::1 lifetime 30

usage: router_advertisement.py TAP [TIMEOUT_S]; exit 0 with the line, 1 when none came in time.
"""
import fcntl
import os
import select
import struct
import sys
import time

from scapy.layers.inet6 import (ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS,
                                ICMPv6NDOptSrcLLAddr, IPv6)
from scapy.layers.l2 import Ether

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
MAC = "06:11:22:33:44:66"


def describe(ra):
    parts = [f"RA from {ra[IPv6].src} lifetime {ra[ICMPv6ND_RA].routerlifetime}"]
    if ICMPv6NDOptPrefixInfo in ra:
        p = ra[ICMPv6NDOptPrefixInfo]
        parts.append(f"prefix {p.prefix}/{p.prefixlen} L={p.L} A={p.A}")
    if ICMPv6NDOptMTU in ra:
        parts.append(f"mtu {ra[ICMPv6NDOptMTU].mtu}")
    if ICMPv6NDOptRDNSS in ra:
        r = ra[ICMPv6NDOptRDNSS]
        parts.append(f"rdnss {' '.join(r.dns)} lifetime {r.lifetime}")
    return " ".join(parts)


def main():
    tap = sys.argv[1]
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 15.0
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
    # From the unspecified address a solicitation carries no link-layer option (RFC 4861 §4.1).
    rs = Ether(src=MAC, dst="33:33:00:00:00:02") / IPv6(src="::", dst="ff02::2", hlim=255) / ICMPv6ND_RS()
    deadline = time.monotonic() + timeout
    next_rs = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_rs:
            # The tap has a carrier only now; the first solicitation may go before radvd sees it.
            os.write(fd, bytes(rs))
            next_rs = now + 1.0
        ready, _, _ = select.select([fd], [], [], min(0.2, max(0.0, deadline - now)))
        if not ready:
            continue
        frame = Ether(os.read(fd, 65536))
        if ICMPv6ND_RA in frame:
            print(describe(frame), flush=True)
            return 0
    print(f"no router advertisement on {tap} within {timeout} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
