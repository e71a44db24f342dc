#!/usr/bin/python3
"""Writes the seed corpus, fuzz/corpus/<target>/<name>, from the tests' byte fixtures and a few scapy packets.

The fixtures are the hex strings of tests/Usrnet.Tests (PacketFixtures, TcpFixtures, DhcpFixtures,
DnsFixtures), made by scapy or captured from dnsmasq, never by the code under test. Each fixture seeds
the target of its layer and the layers inside it; the interface target gets each one as a frame (one
record: length, control 0, frame). The interface target's scripted sessions come from the fuzz program
itself (Usrnet.Fuzz --write-interface-seeds), since their sequence numbers are the stack's.

Usage: /usr/bin/python3 fuzz/make-corpus.py [REPO]   (Debian's python, with python3-scapy)
"""
import pathlib
import re
import struct
import sys

from scapy.all import DNS, DNSQR, DNSRR, DNSRRSOA, ICMP, IP, IPOption_LSRR, IPOption_SSRR, IPOption_Timestamp, UDP, raw
from scapy.layers.inet6 import (HBHOptUnknown, PadN, fragment6, ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                                ICMPv6ND_Redirect, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS, ICMPv6NDOptSrcLLAddr,
                                ICMPv6PacketTooBig, ICMPv6ParamProblem, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, RouterAlert)

REPO = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
CORPUS = REPO / "fuzz" / "corpus"
FIXTURES = [
    "tests/Usrnet.Tests/Wire/PacketFixtures.cs",
    "tests/Usrnet.Tests/Wire/TcpFixtures.cs",
    "tests/Usrnet.Tests/Dhcp/DhcpFixtures.cs",
    "tests/Usrnet.Tests/Dns/DnsFixtures.cs",
    "tests/Usrnet.Tests/Wire/Ipv6Fixtures.cs",
]
STACK_MAC = bytes.fromhex("020000000001")
PEER_MAC = bytes.fromhex("020000000002")
STACK, PEER = bytes([10, 0, 0, 102]), bytes([10, 0, 0, 101])
STACK6, PEER6, ROUTER6 = "fe80::200:ff:fe00:1", "fe80::200:ff:fe00:2", "fe80::1"
# The IPv6 source and destination of the bare ICMPv6 fixtures of Ipv6Fixtures (NDP travels with hop limit 255).
ICMPV6_FIXTURES = {
    "NeighborSolicitation": (STACK6, "ff02::1:ff00:2"),
    "DadNeighborSolicitation": ("::", "ff02::1:ff00:1"),
    "NeighborAdvertisement": (PEER6, STACK6),
    "RouterSolicitation": (STACK6, "ff02::2"),
    "RouterAdvertisement": (ROUTER6, "ff02::1"),
}
DECLARATION = re.compile(r"(?:const string|static readonly string|static readonly byte\[\])\s+(\w+)\s*=\s*(.*?);", re.S)


def fixtures(path):
    """Yields (name, bytes) for every declaration whose value is made only of hex literals and Zeros(n)."""
    text = (REPO / path).read_text()
    for name, expression in DECLARATION.findall(text):
        parts = re.findall(r'"([^"]*)"|Zeros\((\d+)\)', expression)
        hex_text = "".join(literal if literal else "00" * int(zeros) for literal, zeros in parts)
        if parts and hex_text and re.fullmatch(r"(?:[0-9a-fA-F]{2})+", hex_text):
            yield name, bytes.fromhex(hex_text)


def ethernet(ether_type, payload, destination=STACK_MAC):
    return destination + PEER_MAC + struct.pack("!H", ether_type) + payload


def ipv4(protocol, payload):
    """A 20-byte header with checksum 0: the interface target fixes checksums unless told not to."""
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x4242, 0, 64, protocol, 0, PEER, STACK) + payload


def record(frame, control=0):
    return struct.pack("!HB", len(frame), control) + frame


seeds = {}


def add(target, name, data):
    seeds.setdefault(target, {})[name] = data


def add_ipv4(name, packet):
    add("ipv4", name, packet)
    ihl = (packet[0] & 0x0F) * 4
    protocol, payload = packet[9], packet[ihl:]
    fragment = struct.unpack("!H", packet[6:8])[0] & 0x3FFF
    if not fragment:
        add({1: "icmp", 17: "udp", 6: "tcp"}.get(protocol, "ipv4"), name, payload)
        if protocol == 17 and len(payload) > 8:
            ports = struct.unpack("!HH", payload[:4])
            if 53 in ports:
                add("dns", name, payload[8:])
            if 67 in ports or 68 in ports:
                add("dhcp", name, payload[8:])
    add("interface", name, record(ethernet(0x0800, packet)))


def add_frame(name, frame):
    add("ethernet", name, frame)
    ether_type = struct.unpack("!H", frame[12:14])[0]
    if ether_type == 0x0806:
        add("arp", name, frame[14:])
    elif ether_type == 0x0800:
        add_ipv4(name, frame[14:])
        del seeds["interface"][name]
    add("interface", name, record(frame))


for path in FIXTURES:
    stem = pathlib.Path(path).stem.replace("Fixtures", "").lower()
    for name, data in fixtures(path):
        seed = f"{stem}-{name}"
        if stem == "tcp":
            add("tcp", seed, data)
            add("interface", seed, record(ethernet(0x0800, ipv4(6, data))))
        elif stem == "dhcp":
            add("dhcp", seed, data)
            datagram = struct.pack("!HHHH", 67, 68, 8 + len(data), 0) + data
            add("interface", seed, record(ethernet(0x0800, ipv4(17, datagram), destination=b"\xff" * 6)))
        elif stem == "dns":
            add("dns", seed, data)
        elif stem == "ipv6":
            if name in ICMPV6_FIXTURES:
                source, destination = ICMPV6_FIXTURES[name]
                data = raw(IPv6(src=source, dst=destination, hlim=255, nh=58) / data)
            add("ipv6", seed, data)
        elif name.endswith("Frame"):
            add_frame(seed, data)
        elif data[0] >> 4 == 4:
            add_ipv4(seed, data)

# IPv4 options the fixtures lack (RFC 791 §3.1): source routes and a timestamp.
add_ipv4("scapy-echo-lsrr", raw(IP(src="10.0.0.101", dst="10.0.0.102", options=[IPOption_LSRR(routers=["10.0.1.1"], pointer=8)]) / ICMP(id=1, seq=1) / b"route"))
add_ipv4("scapy-echo-ssrr", raw(IP(src="10.0.0.101", dst="10.0.0.102", options=[IPOption_SSRR(routers=["10.0.1.1", "10.0.1.2"])]) / ICMP(id=1, seq=2)))
add_ipv4("scapy-udp-timestamp-option", raw(IP(src="10.0.0.101", dst="10.0.0.102", options=[IPOption_Timestamp(flg=0, timestamp=[1, 2])]) / UDP(sport=9, dport=7) / b"ts"))
# IPv6 extension header chains (RFC 8200 §4), ICMPv6 errors quoting a packet (RFC 4443) and more NDP (RFC 4861).
ECHO6 = IPv6(src=PEER6, dst=STACK6) / ICMPv6EchoRequest(id=1, seq=1, data=b"ping6")
for name, packet in {
    "scapy-hbh-router-alert-echo": IPv6(src=PEER6, dst=STACK6) / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / ICMPv6EchoRequest(id=1, seq=2),
    "scapy-hbh-dest-unknown-option": IPv6(src=PEER6, dst=STACK6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x9E, optdata=b"xx")]) / ICMPv6EchoRequest(id=1, seq=3),
    "scapy-routing-type0": IPv6(src=PEER6, dst=STACK6) / IPv6ExtHdrRouting(type=0, segleft=1, addresses=["fd00::9"]) / ICMPv6EchoRequest(id=1, seq=4),
    "scapy-atomic-fragment": IPv6(src=PEER6, dst=STACK6) / IPv6ExtHdrFragment(id=7, offset=0, m=0) / ICMPv6EchoRequest(id=1, seq=5),
    "scapy-first-fragment": IPv6(src=PEER6, dst=STACK6) / IPv6ExtHdrFragment(id=8, offset=0, m=1) / ICMPv6EchoRequest(id=1, seq=6, data=b"12345678"),
    "scapy-later-fragment": IPv6(src=PEER6, dst=STACK6, nh=44) / IPv6ExtHdrFragment(nh=58, id=8, offset=2, m=0) / b"tail",
    "scapy-packet-too-big": IPv6(src=ROUTER6, dst=STACK6) / ICMPv6PacketTooBig(mtu=1280) / ECHO6,
    "scapy-port-unreachable": IPv6(src=PEER6, dst=STACK6) / ICMPv6DestUnreach(code=4) / IPv6(src=STACK6, dst=PEER6) / UDP(sport=5000, dport=7),
    "scapy-parameter-problem": IPv6(src=PEER6, dst=STACK6) / ICMPv6ParamProblem(code=1, ptr=40) / ECHO6,
    "scapy-ns-probe": IPv6(src=PEER6, dst=STACK6, hlim=255) / ICMPv6ND_NS(tgt=STACK6) / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:02"),
    "scapy-na-unsolicited": IPv6(src=PEER6, dst="ff02::1", hlim=255) / ICMPv6ND_NA(tgt=PEER6, R=0, S=0, O=1),
    "scapy-ra-slaac": IPv6(src=ROUTER6, dst="ff02::1", hlim=255) / ICMPv6ND_RA(routerlifetime=1800) / ICMPv6NDOptMTU(mtu=1400)
        / ICMPv6NDOptPrefixInfo(prefix="fd00:0:0:1::", prefixlen=64, validlifetime=3600, preferredlifetime=1800)
        / ICMPv6NDOptRDNSS(lifetime=300, dns=["fd00:0:0:1::1"]),
    "scapy-redirect": IPv6(src=ROUTER6, dst=STACK6, hlim=255) / ICMPv6ND_Redirect(tgt="fe80::2", dst="fd00:0:0:2::2"),
    # Larger than the minimum MTU and unfragmented: the target cuts them up and reassembles them.
    "scapy-echo-3000": IPv6(src=PEER6, dst=STACK6) / ICMPv6EchoRequest(id=1, seq=7, data=bytes(range(250)) * 12),
    "scapy-dest-opts-udp-2000": IPv6(src=PEER6, dst=STACK6) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)]) / UDP(sport=5000, dport=7) / (b"u" * 2000),
}.items():
    add("ipv6", name, raw(packet))
# RFC 8200 §4.5: fragment6's cut of a 3000-byte UDP packet behind a hop-by-hop header, first and middle fragment.
for index, fragment in enumerate(fragment6(IPv6(src=PEER6, dst=STACK6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(id=0x1234)
                                           / UDP(sport=5000, dport=7) / (b"f" * 3000), 1280)[:2]):
    add("ipv6", f"scapy-fragment6-{index}", raw(fragment))
# DNS record types the resolver reads beside A: NS, SOA (negative answers), PTR, AAAA.
add("dns", "scapy-nxdomain-soa", raw(DNS(id=7, qr=1, rd=1, ra=1, rcode=3, qd=DNSQR(qname="nothing.example.test"),
                                         ns=DNSRRSOA(rrname="example.test", mname="ns.example.test", rname="admin.example.test", minimum=300))))
add("dns", "scapy-ns-ptr-aaaa", raw(DNS(id=8, qr=1, qd=DNSQR(qname="www.example.test", qtype="AAAA"),
                                        an=DNSRR(rrname="www.example.test", type="AAAA", rdata="fd00::1"),
                                        ns=DNSRR(rrname="example.test", type="NS", rdata="ns.example.test"),
                                        ar=DNSRR(rrname="1.0.0.10.in-addr.arpa", type="PTR", rdata="www.example.test"))))

total = 0
for target, entries in sorted(seeds.items()):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(entries.items()):
        (folder / name).write_bytes(data)
        total += 1
    print(f"{target}: {len(entries)} seeds")
print(f"{total} seeds in {CORPUS}")
