#!/usr/bin/python3
"""A kernel TCP client for the lab's error cases. Connects to ADDR:PORT and prints one word:

    refused      the connect got a reset (ConnectionRefusedError)        exit 0
    timed out    no answer within --timeout                              exit 3
    connected    the connect succeeded (without --hold)                  exit 4

With --hold it then sends a line, waits for the echo ("echoed", flushed: a test waits for it) and
keeps reading until the connection ends, printing how: "reset" (ConnectionResetError), "eof" (an
orderly close) or "still open" after --hold seconds (exit 5).

    ip netns exec NS /usr/bin/python3 tcp_connect.py 10.0.0.102 81
"""

import argparse
import socket
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description="Connect and report how the connection ends.")
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--hold", type=float, default=0.0, help="after connecting, read for this many seconds")
    args = parser.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(args.timeout)
    start = time.monotonic()
    try:
        s.connect((args.address, args.port))
    except ConnectionRefusedError:
        print(f"refused after {time.monotonic() - start:.3f} s", flush=True)
        return 0
    except socket.timeout:
        print("timed out", flush=True)
        return 3
    if args.hold <= 0:
        print("connected", flush=True)
        return 4
    print("connected %s:%d" % s.getsockname(), flush=True)
    try:
        line = b"hello, echo\n"
        s.sendall(line)
        got = b""
        while len(got) < len(line):
            part = s.recv(4096)
            if not part:
                break
            got += part
        print("echoed" if got == line else f"wrong echo {got!r}", flush=True)
        s.settimeout(args.hold)
        while True:
            part = s.recv(4096)
            if not part:
                print("eof", flush=True)
                return 0
    except ConnectionResetError:
        print("reset", flush=True)
        return 0
    except socket.timeout:
        print("still open", flush=True)
        return 5
    finally:
        s.close()


if __name__ == "__main__":
    sys.exit(main())
