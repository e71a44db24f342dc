#!/usr/bin/python3
"""A name server that answers every query with a broken message (RFC 1035 §4.1), to check that the
stack's resolver counts and drops what it cannot read and reports a failure instead of throwing.

Each answer keeps the query's ID and question, so it passes the resolver's matching (RFC 5452) and
reaches its parser. The kind of breakage is chosen by the first label of the name asked, so a test asks
for e.g. "pointer-loop.example.test"; "good.example.test" gets a correct answer (10.0.1.2).

    ip netns exec NS python3 hostile_dns.py --address 10.0.0.101

Prints "listening on ADDR:53" when ready, and one line per answer sent.
"""

import argparse
import socket
import struct
import sys

HEADER = struct.Struct("!HHHHHH")  # id, flags, qdcount, ancount, nscount, arcount
TYPE_A, CLASS_IN = 1, 1
RESPONSE_FLAGS = 0x8180  # QR, RD, RA, NOERROR


def question_end(query: bytes) -> int:
    """Offset just after the (uncompressed) question of a query: name, type, class."""
    i = HEADER.size
    while query[i] != 0:
        i += 1 + query[i]
    return i + 1 + 4


def answer(query: bytes, kind: str) -> bytes:
    qid = HEADER.unpack_from(query)[0]
    question = query[HEADER.size:question_end(query)]
    to_question = 0xC000 | HEADER.size  # a pointer to the name in the question
    record = struct.pack("!HHHIH", to_question, TYPE_A, CLASS_IN, 60, 4) + socket.inet_aton("10.0.1.2")

    def message(ancount: int, records: bytes, flags=RESPONSE_FLAGS, qdcount=1) -> bytes:
        return HEADER.pack(qid, flags, qdcount, ancount, 0, 0) + question + records

    if kind == "good":
        return message(1, record)
    if kind == "pointer-loop":  # the owner name points at itself
        at = HEADER.size + len(question)
        return message(1, struct.pack("!H", 0xC000 | at) + record[2:])
    if kind == "pointer-forward":  # a pointer past the end of the message
        return message(1, struct.pack("!H", 0xC000 | 0x3FFF) + record[2:])
    if kind == "counts-lie":  # says 5 answers, carries 1
        return message(5, record)
    if kind == "record-cut":  # the record stops inside its data
        return message(1, record[:-2])
    if kind == "rdlength-lies":  # RDLENGTH runs past the end
        return message(1, record[:10] + struct.pack("!H", 300) + record[12:])
    if kind == "label-too-long":  # a label of 64 octets (RFC 1035 §2.3.4 limits them to 63)
        return message(1, bytes([64]) + b"x" * 64 + b"\0" + record[2:])
    if kind == "header-only":  # 12 octets, question missing although qdcount says 1
        return HEADER.pack(qid, RESPONSE_FLAGS, 1, 1, 0, 0)
    if kind == "address-wrong-length":  # an A record of 3 octets
        return message(1, record[:10] + struct.pack("!H", 3) + b"\x0a\x00\x01")
    return message(0, b"")  # unknown kind: NOERROR, no answers (NODATA)


def main() -> int:
    parser = argparse.ArgumentParser(description="Answer DNS queries with broken messages (run inside the lab namespace).")
    parser.add_argument("--address", default="10.0.0.101", help="address to listen on, port 53")
    args = parser.parse_args()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((args.address, 53))
        print(f"listening on {args.address}:53", flush=True)
        while True:
            query, peer = s.recvfrom(2048)
            try:
                first_label = query[HEADER.size + 1:HEADER.size + 1 + query[HEADER.size]].decode("ascii", "replace").lower()
                reply = answer(query, first_label)
            except (IndexError, struct.error):
                continue  # not a query this server can read: stay silent
            s.sendto(reply, peer)
            print(f"answered {first_label} to {peer[0]}:{peer[1]} with {len(reply)} octets", flush=True)


if __name__ == "__main__":
    sys.exit(main())
