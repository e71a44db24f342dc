#!/usr/bin/python3
"""The figures of bench/loss.sh.

    loss_report.py line DIR               one line on the transfer whose files are in DIR
    loss_report.py csv RUNS COMMIT [CC]   bench/loss.csv from every transfer directory under RUNS
    loss_report.py table CSV KERNEL...    markdown tables from the CSV: medians and ranges per loss
                                          rate, the stack against each kernel series (linux-CC), and
                                          the targets against each

A transfer directory (RUNS/STACK-P-REP, STACK usrnet or linux-CC) holds client.out and client.rc (tcp_echo_client.py), wall
(seconds the client ran), deadline, nft.txt (the gateway's loss table after the transfer, with its
counters), and either stack.out (`usrnet tcp-echo`'s output, its exit statistics) or nstat.before
and nstat.after (`nstat -asz` in the kernel server's namespace around the transfer).
"""

import csv
import os
import re
import statistics
import sys

# Targets the stack is held to, by loss rate (% each way).
TIME_RATIO_LIMIT = 2.0  # its time at most this many times the kernel's ...
TIME_RATIO_RATES = (1, 5, 10)  # ... at these rates
SEVERE_RATE = 20  # here it must complete, within this many times the kernel's time:
SEVERE_RATIO_LIMIT = 5.0
RTO_RATE = 5  # and here it may take at most this many retransmission timeouts per 1,000 segments sent:
RTO_PER_1000_LIMIT = 1.0

FIELDS = ["stack", "loss_percent", "repeat", "completed", "sha256_equal", "seconds", "bytes_echoed",
          "goodput_mbps", "dropped_to_server", "dropped_to_client", "segments_sent", "segments_received",
          "retransmissions", "timeouts", "fast_retransmits", "loss_probes", "rack_loss_detections",
          "dsacks_received", "recoveries_undone", "segments_rejected",
          "rto_per_1000_segments", "deadline_s", "client_cc", "commit"]

# The kernel's names (nstat) for the stack's counters (usrnet tcp-echo's exit statistics).
NSTAT = {
    "segments_sent": "TcpOutSegs",
    "segments_received": "TcpInSegs",
    "retransmissions": "TcpRetransSegs",
    "timeouts": "TcpExtTCPTimeouts",
    "fast_retransmits": "TcpExtTCPFastRetrans",
    "loss_probes": "TcpExtTCPLossProbes",
    "dsacks_received": "TcpExtTCPDSACKRecv",
    "recoveries_undone": "TcpExtTCPDSACKUndo",
}
STACK = {
    "segments_sent": "SegmentsSent",
    "segments_received": "SegmentsReceived",
    "retransmissions": "Retransmissions",
    "timeouts": "Timeouts",
    "fast_retransmits": "FastRetransmits",
    "loss_probes": "TailLossProbes",
    "rack_loss_detections": "RackLossDetections",
    "dsacks_received": "DuplicateSacksReceived",
    "recoveries_undone": "RecoveriesUndone",
    "segments_rejected": "SegmentsRejected",
}

SUMMARY = re.compile(r"(\d+) of (\d+) connections echoed byte-identical: sent (\d+) bytes, received (\d+) bytes in ([\d.]+) s")
PROGRESS = re.compile(r"connection \d+ \([^)]*\): sent (\d+) of (\d+), received (\d+)")
SHA = re.compile(r"sha256 sent ([0-9a-f]+) received ([0-9a-f]+)")
DROP = re.compile(r'(iif|oif) "r0" .*counter packets (\d+) bytes \d+ drop')
COUNTER = re.compile(r"^\s+(\w+)\s+(-?\d+)\s*$")


def read(d: str, name: str) -> str:
    path = os.path.join(d, name)
    return open(path).read() if os.path.exists(path) else ""


def nstat(text: str) -> dict:
    values = {}
    for line in text.splitlines():
        cells = line.split()
        if len(cells) >= 2 and cells[1].isdigit():
            values[cells[0]] = int(cells[1])
    return values


def stack_counters(text: str) -> dict:
    """The "usrnet: tcp statistics" section of tcp-echo's exit output."""
    start = text.find("usrnet: tcp statistics")
    if start < 0:
        return {}
    end = text.find("usrnet: ", start + 1)
    section = text[start:end if end >= 0 else len(text)]
    return {m.group(1): int(m.group(2)) for m in map(COUNTER.match, section.splitlines()) if m}


def transfer(d: str, commit: str, client_cc: str = "") -> dict:
    stack, rate, rep = os.path.basename(d).rsplit("-", 2)
    out = read(d, "client.out")
    rc = int(read(d, "client.rc") or "1")
    row = {f: "" for f in FIELDS}
    row.update(stack=stack, loss_percent=int(rate), repeat=int(rep), commit=commit, client_cc=client_cc, deadline_s=int(read(d, "deadline") or 0))
    summary, progress, sha = SUMMARY.search(out), PROGRESS.search(out), SHA.search(out)
    if summary:
        bytes_total, echoed, seconds = int(summary.group(3)), int(summary.group(4)), float(summary.group(5))
    else:  # stalled or killed: how far it got, in the time it had
        bytes_total = int(progress.group(2)) if progress else 0
        echoed = int(progress.group(3)) if progress else 0
        seconds = float(read(d, "wall") or 0)
    row["completed"] = int(rc == 0 and summary is not None and summary.group(1) == summary.group(2) and echoed == bytes_total)
    row["sha256_equal"] = int(sha is not None and sha.group(1) == sha.group(2)) if row["completed"] else 0
    row["seconds"] = f"{seconds:.3f}"
    row["bytes_echoed"] = echoed
    row["goodput_mbps"] = f"{echoed * 8 / seconds / 1e6:.2f}" if seconds > 0 else ""
    drops = {m.group(1): int(m.group(2)) for m in DROP.finditer(read(d, "nft.txt"))}
    row["dropped_to_server"] = drops.get("iif", "")
    row["dropped_to_client"] = drops.get("oif", "")
    if stack == "usrnet":
        counters = stack_counters(read(d, "stack.out"))
        for field, name in STACK.items():
            row[field] = counters.get(name, "")
    else:
        before, after = nstat(read(d, "nstat.before")), nstat(read(d, "nstat.after"))
        for field, name in NSTAT.items():
            row[field] = after.get(name, 0) - before.get(name, 0)
    if row["segments_sent"] not in ("", 0):
        row["rto_per_1000_segments"] = f"{1000 * row['timeouts'] / row['segments_sent']:.3f}"
    return row


def line(d: str) -> None:
    r = transfer(d, "")
    state = "done" if r["completed"] else f"NOT done in {r['deadline_s']} s"
    print(f"{r['stack']:11} {r['loss_percent']:>3}% #{r['repeat']}: {state}, {r['seconds']} s, {r['goodput_mbps']} Mbit/s, "
          f"sha256 {'equal' if r['sha256_equal'] else 'NOT equal'}; gateway dropped {r['dropped_to_server']} to the server, "
          f"{r['dropped_to_client']} to the client; server sent {r['segments_sent']} segments, retransmitted {r['retransmissions']}, "
          f"RTOs {r['timeouts']}, fast retransmits {r['fast_retransmits']}"
          + (f", loss probes {r['loss_probes']}" if r["loss_probes"] != "" else "")
          + (f", D-SACKs {r['dsacks_received']}" if r["dsacks_received"] != "" else "")
          + (f", rejected {r['segments_rejected']}" if r["segments_rejected"] != "" else ""), flush=True)


def write_csv(runs: str, commit: str, client_cc: str) -> None:
    rows = [transfer(os.path.join(runs, d), commit, client_cc) for d in os.listdir(runs)]
    rows.sort(key=lambda r: (r["loss_percent"], r["stack"] != "usrnet", r["stack"], r["repeat"]))
    w = csv.DictWriter(sys.stdout, FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)


def numbers(rows, field):
    return [float(r[field]) for r in rows if r.get(field, "") != ""]


def fmt(values, digits=2) -> str:
    """Median (range) of values; one value alone, or "-"."""
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1 or min(values) == max(values):
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def median(values):
    return statistics.median(values) if values else None


def time_ratio(ours, kernel):
    """How many times the kernel's time the stack takes, from the median goodputs (the same bytes each
    way, so for finished transfers the ratio of times), which still compares transfers cut off at
    their deadline by how far each got; None without figures."""
    g_ours, g_kernel = median(numbers(ours, "goodput_mbps")), median(numbers(kernel, "goodput_mbps"))
    return g_kernel / g_ours if g_ours and g_kernel else None


def verdict(rate, ours, kernels) -> str:
    """The targets that apply at this rate, each met or NOT met; the time targets against each kernel
    series (a list of (name, transfers))."""
    all_done = bool(ours) and all(int(r["completed"]) and int(r["sha256_equal"]) for r in ours)

    def against(limit):
        return ", ".join(f"{'met' if all_done and (r := time_ratio(ours, k)) is not None and r <= limit else 'NOT met'} ({n})"
                         for n, k in kernels)

    checks = []
    if rate in TIME_RATIO_RATES:
        checks.append(f"time ≤ {TIME_RATIO_LIMIT:g}× Linux: {against(TIME_RATIO_LIMIT)}")
    if rate == SEVERE_RATE:
        checks.append(f"completes, ≤ {SEVERE_RATIO_LIMIT:g}× Linux: {against(SEVERE_RATIO_LIMIT)}")
    if rate == RTO_RATE:
        rto = median(numbers(ours, "rto_per_1000_segments"))
        checks.append(f"≤ {RTO_PER_1000_LIMIT:g} RTO per 1,000 segments: {'met' if rto is not None and rto <= RTO_PER_1000_LIMIT else 'NOT met'}")
    return "; ".join(checks) or "-"


def name(stack: str) -> str:
    """usrnet, or "Linux CC" for linux-CC."""
    return "Linux " + stack.removeprefix("linux-") if stack.startswith("linux-") else stack


def table(path: str, kernels: list) -> None:
    rows = list(csv.DictReader(open(path)))
    rates = sorted({int(r["loss_percent"]) for r in rows})
    stacks = ["usrnet"] + kernels
    by = {(s, p): [r for r in rows if r["stack"] == s and int(r["loss_percent"]) == p] for s in stacks for p in rates}

    def done(rs):
        return f"{sum(int(r['completed']) for r in rs)}/{len(rs)} ({sum(int(r['sha256_equal']) for r in rs)})"

    def at_least(rs):
        """A time that includes a transfer cut off at its deadline is a lower bound."""
        return "≥ " if any(not int(r["completed"]) for r in rs) else ""

    print("Seconds to echo the bytes each way and goodput (echoed Mbit/s), medians (range; ≥: a transfer was cut")
    print("off at its deadline); usrnet ÷ Linux: the time ratio, from the median goodputs; completed/transfers")
    print("(of which SHA-256 equal); targets against each kernel series.")
    print()
    print("| loss % each way | " + " | ".join(f"{name(s)} s" for s in stacks) + " | "
          + " | ".join(f"usrnet ÷ {name(k)}" for k in kernels) + " | "
          + " | ".join(f"{name(s)} Mbit/s" for s in stacks) + " | completed: " + ", ".join(name(s) for s in stacks) + " | target |")
    print("|---" * (2 * len(stacks) + len(kernels) + 3) + "|")
    for p in rates:
        ratios = [f"{r:.2f}" if (r := time_ratio(by["usrnet", p], by[k, p])) else "-" for k in kernels]
        print(f"| {p} | " + " | ".join(at_least(by[s, p]) + fmt(numbers(by[s, p], "seconds")) for s in stacks) + " | " + " | ".join(ratios) + " | "
              + " | ".join(fmt(numbers(by[s, p], "goodput_mbps"), 1) for s in stacks) + " | "
              + ", ".join(done(by[s, p]) for s in stacks) + f" | {verdict(p, by['usrnet', p], [(name(k).removeprefix('Linux '), by[k, p]) for k in kernels])} |")
    print()
    print("Counters per transfer, medians (range): the gateway's drops each way (to the server / to the client); the")
    print("server's segments sent (retransmissions included), retransmissions, retransmission timeouts, fast")
    print("retransmits, tail loss probes, D-SACKs received (needless retransmissions the peer reported). usrnet:")
    print("tcp-echo's exit statistics; Linux: nstat in the server's namespace.")
    print()
    print("| loss % | server | dropped to server / to client | segments sent | retransmissions | RTOs | RTOs per 1,000 segments | fast retransmits | loss probes | D-SACKs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for p in rates:
        for s in stacks:
            rs = by[s, p]
            if not rs:
                continue
            print(f"| {p} | {name(s)} | {fmt(numbers(rs, 'dropped_to_server'), 0)} / {fmt(numbers(rs, 'dropped_to_client'), 0)} | "
                  f"{fmt(numbers(rs, 'segments_sent'), 0)} | {fmt(numbers(rs, 'retransmissions'), 0)} | {fmt(numbers(rs, 'timeouts'), 0)} | "
                  f"{fmt(numbers(rs, 'rto_per_1000_segments'), 2)} | {fmt(numbers(rs, 'fast_retransmits'), 0)} | {fmt(numbers(rs, 'loss_probes'), 0)} | {fmt(numbers(rs, 'dsacks_received'), 0)} |")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "line":
        line(sys.argv[2])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "csv":
        write_csv(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) == 5 else "")
    elif len(sys.argv) >= 4 and sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3:])
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
