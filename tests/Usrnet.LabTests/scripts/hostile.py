#!/usr/bin/python3
"""Sends packets a hostile network sends at the stack, and reports which drew an answer.

Run inside the lab's near namespace with Debian's python (it has python3-scapy):

    ip netns exec NS /usr/bin/python3 hostile.py KIND [--iface tap0] [--port 7] [--wait 1.5]

KIND is one of
    port0         a UDP datagram from source port 0 (RFC 768: "no reply expected") to --port
    land          LAND: a TCP SYN from the stack's own address and --port to itself
    source-route  echo requests with a completed loose source route and with a strict one (RFC 791 §3.1)
    martians      echo requests from every source no host can have (RFC 1122 §3.2.1.3): 0.0.0.0, 0/8,
                  127/8, 240/4, 255.255.255.255, the subnet's broadcast, multicast, the stack's own address

For the echo kinds a plain echo request from --src-ip follows, the control: it must be answered, so a
silence about the others means they were dropped, not that the stack or the capture is dead. Every IPv4
frame from the stack's MAC within --wait seconds that is not the control's reply counts as an answer.
Prints one line:
    sent N KIND frames, A answered[, control answered|control unanswered]
"""

import argparse
import sys
import threading
import time

from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_LSRR, IPOption_SSRR
from scapy.layers.l2 import Ether
from scapy.sendrecv import AsyncSniffer, sendp

CONTROL_ID = 0x7777
ECHO_ID = 0x4848
SNIFFER_START_TIMEOUT = 5.0


def hostile_frames(kind, args, src_mac):
    def to_stack(packet):
        return Ether(dst=args.dst_mac, src=src_mac) / packet

    def echo(source, options=None):
        ip = IP(src=source, dst=args.dst_ip, options=options) if options else IP(src=source, dst=args.dst_ip)
        return to_stack(ip / ICMP(id=ECHO_ID, seq=1) / b"hostile")

    if kind == "port0":
        return [to_stack(IP(src=args.src_ip, dst=args.dst_ip) / UDP(sport=0, dport=args.port) / b"no reply expected")]
    if kind == "land":
        return [to_stack(IP(src=args.dst_ip, dst=args.dst_ip) / TCP(sport=args.port, dport=args.port, flags="S", seq=1000))]
    if kind == "source-route":
        # The stack is the last hop of both routes: the pointer is past the route data (RFC 791 §3.1).
        return [
            echo(args.src_ip, [IPOption_LSRR(routers=[args.gateway, args.dst_ip], pointer=12)]),
            echo(args.src_ip, [IPOption_SSRR(routers=[args.dst_ip], pointer=8)]),
        ]
    if kind == "martians":
        sources = ["0.0.0.0", "0.1.2.3", "127.0.0.1", "240.0.0.1", "255.255.255.255", args.broadcast, "224.0.0.1", args.dst_ip]
        return [echo(source) for source in sources]
    raise ValueError(kind)


def main() -> int:
    parser = argparse.ArgumentParser(description="Send hostile packets at the stack (run inside the lab namespace).")
    parser.add_argument("kind", choices=["port0", "land", "source-route", "martians"])
    parser.add_argument("--iface", default="tap0", help="interface to send on (default tap0)")
    parser.add_argument("--dst-mac", default="06:11:22:33:44:55", help="the stack's MAC")
    parser.add_argument("--dst-ip", default="10.0.0.102", help="the stack's address")
    parser.add_argument("--src-ip", default="10.0.0.101", help="this host's address")
    parser.add_argument("--gateway", default="10.0.1.1", help="a router on the source route")
    parser.add_argument("--broadcast", default="10.0.0.255", help="the subnet's broadcast address")
    parser.add_argument("--port", type=int, default=7, help="the stack's port for port0 and land (default 7)")
    parser.add_argument("--wait", type=float, default=1.5, help="seconds to listen after sending (default 1.5)")
    args = parser.parse_args()

    try:
        with open(f"/sys/class/net/{args.iface}/address") as f:
            src_mac = f.read().strip()
    except OSError as e:
        print(f"hostile.py: no interface {args.iface}: {e}", file=sys.stderr)
        return 1

    frames = hostile_frames(args.kind, args, src_mac)
    with_control = args.kind in ("source-route", "martians")
    stack_mac = args.dst_mac.lower()

    def from_stack(frame):
        return frame.haslayer(Ether) and frame[Ether].src.lower() == stack_mac and frame.haslayer(IP)

    started = threading.Event()
    sniffer = AsyncSniffer(iface=args.iface, lfilter=from_stack, store=True, started_callback=started.set)
    sniffer.start()
    if not started.wait(SNIFFER_START_TIMEOUT):
        print("hostile.py: the capture did not start", file=sys.stderr)
        return 1
    sendp(frames, iface=args.iface, verbose=False)
    if with_control:
        sendp(Ether(dst=args.dst_mac, src=src_mac) / IP(src=args.src_ip, dst=args.dst_ip) / ICMP(id=CONTROL_ID, seq=1) / b"control",
              iface=args.iface, verbose=False)
    time.sleep(args.wait)
    captured = sniffer.stop() or []

    def is_control_reply(frame):
        return frame.haslayer(ICMP) and frame[ICMP].type == 0 and frame[ICMP].id == CONTROL_ID

    answered = [frame for frame in captured if not is_control_reply(frame)]
    for frame in answered:
        print(f"answer: {frame.summary()}", file=sys.stderr)
    line = f"sent {len(frames)} {args.kind} frames, {len(answered)} answered"
    if with_control:
        line += ", control answered" if any(is_control_reply(frame) for frame in captured) else ", control unanswered"
    print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
