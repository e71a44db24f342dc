#!/usr/bin/python3
"""The figures and the verdict of bench/soak.sh.

    soak_report.py header                 the table's header
    soak_report.py row JSON               one row of the table from a line of `usrnet bench soak`
    soak_report.py verdict DIR            the summary and the verdict from what soak.sh collected in DIR;
                                          exit 0 when every check holds, 1 otherwise

DIR holds stack.out (the stack's stdout: JSON lines among others), stack.err, stack.rc, ss.txt
(`ss -tan` in the namespace after the stack exited), ping.out, peers/*.json (one summary line per
kernel peer), address (the stack's address) and seconds (the soak's length).
"""

import glob
import json
import os
import sys

# RSS and open fds at the last report may exceed the first by at most this much (issue: "flat").
GROWTH_LIMIT = 0.10
# The reports compared start after this much traffic: the first seconds grow the process for good
# (tiered JIT recompiling the hot paths, thread-pool threads, the first SYN flood), which is start-up,
# not a leak. With the 10-minute soak's 60 s interval the first report is already past it.
WARM_UP_SECONDS = 20
# Kernel TCP states a connection to the stack may be in once the stack has exited: only the one the
# kernel enters when it closed first (RFC 9293 §3.6). Anything else was left hanging by the stack.
STATES_ALLOWED_AFTER_EXIT = {"TIME-WAIT"}
# How much earlier than the soak's length a bulk client may see the stack's close: it starts a moment
# after the traffic clock does.
STOP_MARGIN = 10
# A usrnet command's exit status after SIGTERM (128 + 15, as a shell reports a process it ended).
SIGTERM_EXIT = 143
# DHCP renewals only come after T1 (option 58); soak.sh sets it to this many seconds.
RENEWAL_T1 = 10

COLUMNS = [
    ("t s", 6, lambda r: f"{r['t']:.0f}"),
    ("RSS MiB", 8, lambda r: f"{r['rss_kib'] / 1024:.1f}"),
    ("heap MiB", 9, lambda r: f"{r['gc_heap_bytes'] / 2**20:.1f}"),
    ("fds", 5, lambda r: str(r["fds"])),
    ("thr", 4, lambda r: str(r["threads"])),
    ("socks", 6, lambda r: str(r["stack_sockets"])),
    ("echo", 7, lambda r: str(soak(r, "echo_completed"))),
    ("src MB", 8, lambda r: f"{soak(r, 'source_bytes') / 1e6:.0f}"),
    ("sink MB", 8, lambda r: f"{soak(r, 'sink_bytes') / 1e6:.0f}"),
    ("udp", 7, lambda r: str(soak(r, "udp_echoed"))),
    ("dns", 6, lambda r: str(soak(r, "dns_ok"))),
    ("out", 6, lambda r: str(soak(r, "connect_ok"))),
    ("dhcp", 5, lambda r: str(soak(r, "dhcp_renewed"))),
    ("frames in", 10, lambda r: str(r["interface"].get("FramesReceived", 0))),
    ("dropped", 9, lambda r: str(r["interface"].get("TotalDropped", 0))),
]


def soak(row, name):
    return row["soak"].get(name, 0)


def header() -> str:
    return " ".join(f"{name:>{width}}" for name, width, _ in COLUMNS)


def row(r) -> str:
    text = " ".join(f"{value(r):>{width}}" for _, width, value in COLUMNS)
    return text + ("   (after closing)" if r.get("final") else "")


def reports(path):
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return out


def read(directory, name, default=""):
    try:
        with open(os.path.join(directory, name), errors="replace") as f:
            return f.read()
    except OSError:
        return default


def peers(directory):
    found = {}
    for path in sorted(glob.glob(os.path.join(directory, "peers", "*.json"))):
        name = os.path.splitext(os.path.basename(path))[0]
        lines = [line for line in read(directory, os.path.join("peers", os.path.basename(path))).splitlines() if line.startswith("{")]
        found[name] = json.loads(lines[-1]) if lines else None
    return found


def ping_received(text):
    # "20 packets transmitted, 19 received, 5% packet loss, time 3805ms"
    for line in text.splitlines():
        if "packets transmitted" in line:
            parts = line.split(",")
            return int(parts[0].split()[0]), int(parts[1].split()[0])
    return 0, 0


def growth(first, last):
    return (last - first) / first if first else float("inf")


def verdict(directory) -> int:
    checks = []

    def check(ok, what):
        checks.append((ok, what))

    rows = reports(os.path.join(directory, "stack.out"))
    periodic = [r for r in rows if not r.get("final")]
    final = next((r for r in rows if r.get("final")), None)
    seconds = float(read(directory, "seconds", "0") or 0)
    address = read(directory, "address").strip()
    rc = read(directory, "stack.rc").strip()
    err = read(directory, "stack.err")

    # After SIGTERM every usrnet command exits 143 with one line "usrnet: COMMAND: interrupted".
    clean = rc == str(SIGTERM_EXIT) and "interrupted" in err
    check(clean, f"the stack exited with status {rc or 'unknown'} after SIGTERM"
          + (" and said it was interrupted" if clean else f" ({SIGTERM_EXIT} and 'interrupted' expected)"))
    crashed = "Unhandled exception" in err or "\n   at " in err
    check(not crashed, "no exception on the stack's stderr" if not crashed else "the stack's stderr shows an exception (see above)")
    check(len(periodic) >= 2, f"{len(periodic)} reports (at least 2 needed to compare)")
    if len(periodic) >= 2:
        first = next((r for r in periodic if r["t"] >= WARM_UP_SECONDS - 1), periodic[0])
        last = periodic[-1]
        for key, label, unit, scale in [("rss_kib", "RSS", "MiB", 1 / 1024), ("fds", "open fds", "", 1)]:
            g = growth(first[key], last[key])
            check(g <= GROWTH_LIMIT, f"{label} at {last['t']:.0f} s vs {first['t']:.0f} s: {first[key] * scale:.1f} -> {last[key] * scale:.1f} {unit} ({g:+.1%}, limit +{GROWTH_LIMIT:.0%})".replace("  ", " "))
        print(f"GC heap after a full collection: {first['gc_heap_bytes'] / 2**20:.1f} -> {last['gc_heap_bytes'] / 2**20:.1f} MiB; "
              f"threads {first['threads']} -> {last['threads']}; stack sockets {first['stack_sockets']} -> {last['stack_sockets']}; "
              f"peak RSS {last['peak_rss_kib'] / 1024:.1f} MiB; allocated {last['allocated_bytes'] / 1e9:.2f} GB, {last['gen2_collections']} gen2 collections")

    # What the kernel is left with: connections to the stack's address, by state.
    left = {}
    for line in read(directory, "ss.txt").splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 5 and fields[4].rsplit(":", 1)[0] == address:
            left[fields[0]] = left.get(fields[0], 0) + 1
    hanging = {state: n for state, n in left.items() if state not in STATES_ALLOWED_AFTER_EXIT}
    check(not hanging, "after the stack exited the kernel holds no connection to it"
          + (f" but TIME-WAIT ({left['TIME-WAIT']})" if "TIME-WAIT" in left else "")
          if not hanging else f"after the stack exited the kernel still holds {', '.join(f'{n} {s}' for s, n in sorted(hanging.items()))} (ss.txt above)")

    p = peers(directory)
    for name in ("bulk-recv", "bulk-send"):
        summary = p.get(name) or {}
        end = summary.get("last_end", "missing")
        at = summary.get("ended_by_stack_at")
        # The stack is stopped `seconds` after the traffic started; the client started a moment later.
        at_stop = at is not None and at >= seconds - STOP_MARGIN
        check(end in ("eof", "reset", "broken_pipe") and at_stop,
              f"{name}: {summary.get('connections', 0)} connections, {summary.get('bytes', 0) / 1e6:.0f} MB; the last one ended with {end}"
              + (f" at {at:.0f} s" if at is not None else "") + f" (a FIN or RST from the stack when it was stopped at ~{seconds:.0f} s expected)")
    short = p.get("short") or {}
    failures = {k: v for k, v in short.items() if k not in ("mode", "seconds", "ok")}
    check(short.get("ok", 0) > 0, f"short connections to the stack: {short.get('ok', 0)} echoed" + (f", failed {failures}" if failures else ""))
    udp = p.get("udp") or {}
    udp_failures = {k: v for k, v in udp.items() if k not in ("mode", "seconds", "echoed")}
    check(udp.get("echoed", 0) > 0, f"UDP datagrams echoed: {udp.get('echoed', 0)}" + (f", not {udp_failures}" if udp_failures else ""))
    sent, received = ping_received(read(directory, "ping.out"))
    check(received > 0, f"ping: {received} of {sent} answered")
    counts = (final or (periodic[-1] if periodic else {"soak": {}}))["soak"]
    check(counts.get("dns_ok", 0) > 0, f"DNS lookups by the stack: {counts.get('dns_ok', 0)} answered"
          + "".join(f", {k[4:]} {v}" for k, v in counts.items() if k.startswith("dns_") and k != "dns_ok"))
    check(counts.get("connect_ok", 0) > 0, f"short connections from the stack: {counts.get('connect_ok', 0)} echoed"
          + "".join(f", {k[8:]} {v}" for k, v in counts.items() if k.startswith("connect_") and k != "connect_ok"))
    if seconds > 2 * RENEWAL_T1:
        check(counts.get("dhcp_renewed", 0) > 0, f"DHCP renewals: {counts.get('dhcp_renewed', 0)}"
              + "".join(f", {k[5:]} {v}" for k, v in counts.items() if k.startswith("dhcp_") and k != "dhcp_renewed"))
    malformed = [s for name, s in p.items() if name.startswith("malformed") and s]
    floods = len(glob.glob(os.path.join(directory, "flood-*.err")))
    iface = (periodic[-1] if periodic else {"interface": {}})["interface"]
    check(sum(s.get("sent", 0) for s in malformed) > 0 and iface.get("TotalDropped", 0) > 0,
          f"malformed frames: {sum(s.get('sent', 0) for s in malformed)} sent in {len(malformed)} bursts; the stack dropped {iface.get('TotalDropped', 0)} frames in all"
          f" (malformed {iface.get('DroppedMalformed', 0)}, bad checksum {iface.get('DroppedBadChecksum', 0)}); SYN flood bursts: {floods}")

    print()
    for ok, what in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
    failed = sum(1 for ok, _ in checks if not ok)
    print(f"\nsoak: {'PASS' if not failed else f'FAIL ({failed} of {len(checks)} checks)'}")
    return 1 if failed else 0


def main() -> int:
    if len(sys.argv) == 2 and sys.argv[1] == "header":
        print(header())
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "row":
        print(row(json.loads(sys.argv[2])))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "verdict":
        return verdict(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
