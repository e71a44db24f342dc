#!/usr/bin/python3
"""The kernel's side of bench/soak.sh: clients and a server that keep one kind of traffic going
against `usrnet bench soak` for SECONDS, then print one line of JSON with what they did.

    soak_peers.py short ADDR PORT --seconds S [--rate R] [--threads T]   many short echo connections
    soak_peers.py bulk-recv ADDR PORT --seconds S [--rate MBPS] [--bytes N]   read from the stack's source
    soak_peers.py bulk-send ADDR PORT --seconds S [--rate MBPS] [--bytes N]   write to the stack's sink
    soak_peers.py udp ADDR PORT --seconds S [--rate R]                   UDP echo, one datagram at a time
    soak_peers.py echo-server ADDR PORT --seconds S                      a TCP echo server for the stack

Every blocking call has a timeout, and SIGTERM ends the program with its summary, so nothing outlives
the soak. The bulk clients open connection after connection, each ended by their half-close after
--bytes, until SECONDS have passed; the connection open then they never end: the stack must end it
when it exits (FIN or RST). Their summary says how it ended ("last_end": "eof", "reset", ... or
"open" if it was still open when they were stopped), and `ss` in the namespace shows whether the
kernel is left with a half-open socket.
"""

import argparse
import json
import os
import random
import signal
import socket
import sys
import threading
import time

CHUNK = 64 * 1024
CONNECT_TIMEOUT = 5.0  # seconds: a connection the stack does not accept in time counts as failed
IO_TIMEOUT = 10.0  # seconds without progress on an established connection


class Stop(Exception):
    """SIGTERM: end now, with the summary."""


stopping = threading.Event()


def on_sigterm(signum, frame):
    # `timeout` passes a SIGTERM on to its child and then to its process group: the second must not
    # end the program before its summary.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stopping.set()
    raise Stop()


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}

    def add(self, name, by=1):
        with self.lock:
            self.values[name] = self.values.get(name, 0) + by


def failure(e: BaseException) -> str:
    if isinstance(e, socket.timeout):
        return "timeout"
    if isinstance(e, ConnectionResetError):
        return "reset"
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if isinstance(e, BrokenPipeError):
        return "broken_pipe"
    if isinstance(e, OSError) and e.errno is not None:
        return os.strerror(e.errno).lower().replace(" ", "_")
    return type(e).__name__.lower()


class Pacer:
    """Keeps a byte or event rate: wait(n) sleeps until n more units are due."""

    def __init__(self, per_second: float):
        self.per_second = per_second
        self.start = time.monotonic()
        self.done = 0.0

    def wait(self, n: float):
        self.done += n
        if self.per_second > 0:
            due = self.start + self.done / self.per_second
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(min(delay, 1.0))


def short_connection(args, rng: random.Random, counts: Counts):
    message = rng.randbytes(rng.randint(1, 2000))
    try:
        with socket.create_connection((args.address, args.port), timeout=CONNECT_TIMEOUT) as s:
            s.settimeout(IO_TIMEOUT)
            s.sendall(message)
            s.shutdown(socket.SHUT_WR)
            echo = bytearray()
            while True:
                got = s.recv(CHUNK)
                if not got:
                    break
                echo += got
        counts.add("ok" if echo == message else "wrong_echo")
    except OSError as e:
        counts.add(failure(e))


def run_short(args, counts: Counts):
    deadline = time.monotonic() + args.seconds
    per_thread = args.rate / args.threads

    def worker(index):
        rng = random.Random(f"{args.seed}-{index}")
        pacer = Pacer(per_thread)
        while not stopping.is_set() and time.monotonic() < deadline:
            short_connection(args, rng, counts)
            pacer.wait(1)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.5)


def bulk(args, counts: Counts, receive: bool):
    """Connections of --bytes one after the other, each ended by a half-close of ours, until the
    deadline; the one open then is never ended by us: it goes on until the stack closes it."""
    deadline = time.monotonic() + args.seconds
    pacer = Pacer(args.rate * 1e6)
    chunk = bytes(CHUNK)
    buffer = bytearray(CHUNK)
    counts.values["last_end"] = "none"
    started = time.monotonic()
    while not stopping.is_set() and time.monotonic() < deadline:
        counts.add("connections")
        counts.values["last_end"] = "open"
        established = False
        try:
            with socket.create_connection((args.address, args.port), timeout=CONNECT_TIMEOUT) as s:
                established = True
                s.settimeout(IO_TIMEOUT)
                moved = 0
                # Past the deadline: no half-close and no timeout, until the stack ends it (or SIGTERM).
                while moved < args.bytes or time.monotonic() >= deadline:
                    if time.monotonic() >= deadline:
                        s.settimeout(None)
                    n = s.recv_into(buffer) if receive else s.send(chunk)
                    if n == 0:
                        raise ConnectionAbortedError("the stack closed first")
                    moved += n
                    counts.add("bytes", n)
                    pacer.wait(n)
                s.shutdown(socket.SHUT_WR)
                while s.recv_into(buffer):
                    pass
            counts.values["last_end"] = "eof"
            counts.add("completed")
        except OSError as e:
            end = "eof" if isinstance(e, ConnectionAbortedError) else failure(e)
            counts.values["last_end"] = end
            counts.add(end)
            if established and not isinstance(e, socket.timeout):
                # The stack never ends a bulk connection itself but on its way out: this was the one
                # open when it was stopped. How it ended, and when, is the summary's news.
                counts.values["ended_by_stack_at"] = round(time.monotonic() - started, 1)
                return
            time.sleep(0.2)  # a connect that failed: the stack may be under a SYN flood; do not spin


def run_udp(args, counts: Counts):
    deadline = time.monotonic() + args.seconds
    rng = random.Random(args.seed)
    pacer = Pacer(args.rate)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((args.address, args.port))
        s.settimeout(args.timeout)
        while not stopping.is_set() and time.monotonic() < deadline:
            message = rng.randbytes(rng.randint(1, 1472))
            try:
                s.send(message)
                while True:
                    reply = s.recv(65535)
                    if reply == message:
                        counts.add("echoed")
                        break
                    counts.add("late")  # the echo of an earlier datagram that timed out
            except OSError as e:
                counts.add(failure(e))
            pacer.wait(1)


def run_echo_server(args, counts: Counts):
    deadline = time.monotonic() + args.seconds

    def serve(connection):
        with connection:
            connection.settimeout(IO_TIMEOUT)
            try:
                while True:
                    got = connection.recv(CHUNK)
                    if not got:
                        break
                    connection.sendall(got)
                counts.add("echoed")
            except OSError as e:
                counts.add(failure(e))

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((args.address, args.port))
        listener.listen(128)
        listener.settimeout(0.5)
        while not stopping.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                continue
            counts.add("accepted")
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["short", "bulk-recv", "bulk-send", "udp", "echo-server"])
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("--seconds", type=float, required=True, help="how long to keep the traffic going")
    parser.add_argument("--rate", type=float, help="short: connections/s in all (default 50); bulk: MB/s (default 25); udp: datagrams/s (default 200)")
    parser.add_argument("--threads", type=int, default=4, help="short: connections at once (default 4)")
    parser.add_argument("--bytes", type=int, default=64 << 20, help="bulk: bytes per connection before the deadline (default 64 MiB)")
    parser.add_argument("--timeout", type=float, default=1.0, help="udp: seconds to wait for an echo (default 1)")
    parser.add_argument("--seed", default="1")
    args = parser.parse_args()
    if args.rate is None:
        args.rate = {"short": 50, "bulk-recv": 25, "bulk-send": 25, "udp": 200}.get(args.mode, 0)

    signal.signal(signal.SIGTERM, on_sigterm)
    counts = Counts()
    started = time.monotonic()
    try:
        if args.mode == "short":
            run_short(args, counts)
        elif args.mode in ("bulk-recv", "bulk-send"):
            bulk(args, counts, receive=args.mode == "bulk-recv")
        elif args.mode == "udp":
            run_udp(args, counts)
        else:
            run_echo_server(args, counts)
    except Stop:
        pass
    with counts.lock:
        summary = {"mode": args.mode, "seconds": round(time.monotonic() - started, 1), **counts.values}
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
