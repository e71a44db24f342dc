#!/usr/bin/python3
"""The kernel's side of bench/loss.sh: a TCP echo server (RFC 862) on the kernel's own TCP, the
counterpart of `usrnet tcp-echo`. Each connection gets a thread that reads up to 64 KiB (the size
`usrnet tcp-echo` moves at once), writes it back, and half-closes after the peer did and every byte
went back, so the client's view is the same as with the stack. --congestion sets the listener's
congestion control (TCP_CONGESTION, inherited by what it accepts). Runs until killed.

    ip netns exec NS-srv /usr/bin/python3 loss_echo_server.py 7 --congestion cubic
        ->  "listening on 0.0.0.0:7, congestion control cubic"
"""

import argparse
import socket
import sys
import threading

CHUNK = 64 * 1024


def echo(conn: socket.socket) -> None:
    with conn:
        try:
            while True:
                data = conn.recv(CHUNK)
                if not data:
                    conn.shutdown(socket.SHUT_WR)
                    return
                conn.sendall(data)
        except OSError as e:
            print(f"connection ended: {e}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="Echo every TCP connection on PORT on the kernel's TCP.")
    parser.add_argument("port", type=int)
    parser.add_argument("--congestion", help="congestion control (tcp_available_congestion_control); default the namespace's")
    args = parser.parse_args()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.congestion:
        server.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, args.congestion.encode())
    server.bind(("0.0.0.0", args.port))
    server.listen(16)
    cc = server.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
    print(f"listening on 0.0.0.0:{args.port}, congestion control {cc}", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
