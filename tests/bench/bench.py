#!/usr/bin/env python3
"""Helpers for tests/bench/run.sh, one subcommand each.

  wait PORT SECONDS [PATH..]  until GET /small (or each PATH) answers 200
  tree PID                    PID and all its descendants, one a line
  idle PORT N PID BPORTS      RSS growth of PID's tree per idle connection
  hold PORT N BPORTS CMD..    run CMD while N idle connections are held
  cpu PID                     CPU seconds of each process (or thread) of PID
  cputotal PID                CPU seconds of PID's whole tree, one number
  record ROUND TARGET WORKLOAD FILE   wrk's BENCH line -> results.tsv row
  report TSV CPU_TSV          the markdown table and the CPU split
  scale DIR                   the scale table from DIR/scale-*.txt

Only the standard library is used, so a stock python3 runs it.
"""

import os
import resource
import socket
import statistics
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")
# The order rows appear in the table, and what each workload is judged on.
WORKLOADS = [
    ("keepalive", "keep-alive small requests", "rps"),
    ("close", "new connection per request", "rps"),
    ("big", "1 MiB responses", "mbps"),
    ("idle", "idle connections held open", "rss"),
]
TARGETS = ["lbd", "lbd-poll", "haproxy", "nginx", "direct"]
PEERS = ["haproxy", "nginx"]
FIELDS = ["round", "target", "workload", "rps", "mbps", "p50_ms", "p99_ms",
          "errors", "rss_kib", "cpu_us"]


# ---------------------------------------------------------------- processes

def children_map():
    """Map each pid to its children's pids, from /proc/*/stat."""
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue                    # gone while we looked
        # The command name may hold spaces and ')': split after the last.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(pid):
    """PID and all its descendants."""
    kids, out, todo = children_map(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def rss_kib(pids):
    """Sum of VmRSS over PIDS, in KiB; a process that is gone counts 0."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_seconds(stat_path):
    """utime + stime of one /proc stat file, in seconds."""
    with open(stat_path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_name(pid):
    """The process title (lbd and nginx set one) cut to three words, as
    "lbd: worker 1" or "nginx: worker process"; else "pid N"."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            title = f.read().split(b"\0")[0].decode(errors="replace")
        if title.strip():
            return " ".join(title.split()[:3])
    except OSError:
        pass
    return "pid %d" % pid


def cmd_cpu(pid):
    """Print "name<TAB>seconds" for each process of the tree, or for each
    thread when the target is one threaded process (HAProxy)."""
    pids = tree(int(pid))
    if len(pids) == 1:
        tids = sorted(int(t) for t in os.listdir(f"/proc/{pids[0]}/task"))
        for i, tid in enumerate(tids):
            secs = cpu_seconds(f"/proc/{pids[0]}/task/{tid}/stat")
            print(f"thread {i + 1}\t{secs:.2f}")
        return
    seen = {}
    for p in pids:
        name = proc_name(p)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:              # nginx's workers share one title
            name += f" #{seen[name]}"
        print(f"{name}\t{cpu_seconds(f'/proc/{p}/stat'):.2f}")


def cmd_cputotal(pid):
    """Print the CPU seconds the tree of PID has used so far; wrk_run
    takes it before and after a run to charge the run's CPU per request."""
    total = 0.0
    for p in tree(int(pid)):
        try:
            total += cpu_seconds(f"/proc/{p}/stat")
        except OSError:                 # gone since tree() saw it
            pass
    print(f"{total:.2f}")


# ---------------------------------------------------------------- network

def http_ok(port, path):
    """True when GET PATH through PORT is answered 200."""
    req = f"GET {path} HTTP/1.0\r\nHost: bench\r\n\r\n".encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(req)
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def cmd_wait(port, seconds, *paths):
    """Poll every 50 ms: a target is ready when it relays a request, not
    merely when its port accepts (lbd's workers may still be starting).
    PATHS default to /small; a backend is also asked for /big."""
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        if all(http_ok(int(port), p) for p in paths or ["/small"]):
            return 0
        time.sleep(0.05)
    print(f"bench.py: nothing answers on port {port}", file=sys.stderr)
    return 1


def upstream_count(bports):
    """Established loopback TCP connections to any of BPORTS, counted from
    the client side only (local port not a backend port)."""
    n = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            local, remote, state = line.split()[1:4]
            if state != "01":
                continue
            if (int(remote.split(":")[1], 16) in bports and
                    int(local.split(":")[1], 16) not in bports):
                n += 1
    return n


def open_idle(port, n):
    """Open N connections to PORT; return (sockets, failures)."""
    socks, fails = [], 0
    for _ in range(n):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
            socks.append(s)
        except OSError:
            s.close()
            fails += 1
    return socks, fails


def closed_count(socks):
    """How many of SOCKS the far side has closed (or reset)."""
    n = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                n += 1
        except BlockingIOError:
            pass                        # open and silent: as it should be
        except OSError:
            n += 1
    return n


def settle(pids, bports, want, limit=15.0):
    """Wait until the target has a backend connection for each client (it
    connects upstream at accept in TCP mode) and its RSS stops moving."""
    deadline, last, still = time.monotonic() + limit, -1, 0
    while time.monotonic() < deadline:
        time.sleep(0.25)
        rss = rss_kib(pids)
        still = still + 1 if rss == last else 0
        last = rss
        if upstream_count(bports) >= want and still >= 3:
            break
    return last


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def lost_count(v):
    """Idle connections that failed, were closed, or never reached a
    backend, from an IDLE or HOLD line's values."""
    return v["failed"] + v["closed"] + max(0, v["opened"] - v["upstream"])


def cmd_idle(port, n, pid, bports):
    """Open N idle connections through the target, measure the RSS of all
    its processes before and after, then close them.  Prints one line."""
    raise_nofile()
    port, n = int(port), int(n)
    bports = {int(p) for p in bports.split(",")}
    pids = tree(int(pid))
    before = rss_kib(pids)
    socks, fails = open_idle(port, n)
    after = settle(pids, bports, len(socks))
    upstream = upstream_count(bports)
    closed = closed_count(socks)
    held = len(socks) - closed
    per = (after - before) / held if held else float("nan")
    for s in socks:
        s.close()
    print(f"IDLE n={n} opened={len(socks)} failed={fails} closed={closed} "
          f"upstream={upstream} rss_before_kib={before} "
          f"rss_after_kib={after} per_conn_kib={per:.2f}")
    return 0


def cmd_hold(port, n, bports, *cmd):
    """Open N idle connections through the target, wait until each has
    its backend connection, run CMD, then say how many stayed open."""
    raise_nofile()
    port, n = int(port), int(n)
    bports = {int(p) for p in bports.split(",")}
    socks, fails = open_idle(port, n)
    deadline = time.monotonic() + 20
    while (upstream_count(bports) < len(socks) and
           time.monotonic() < deadline):
        time.sleep(0.1)
    upstream = upstream_count(bports)
    sys.stdout.flush()
    rc = subprocess.run(cmd).returncode
    closed = closed_count(socks)
    for s in socks:
        s.close()
    print(f"HOLD n={n} opened={len(socks)} failed={fails} closed={closed} "
          f"upstream={upstream}")
    return rc


# ---------------------------------------------------------------- results

def parse_kv(line):
    """"KEY k=v k=v" -> {k: float(v)}."""
    return {k: float(v) for k, v in
            (kv.split("=", 1) for kv in line.split()[1:])}


def wrk_errors(v):
    return sum(v[k] for k in ("connect", "read", "write", "timeout", "status"))


def cmd_record(rnd, target, workload, path):
    """Turn a wrk or idle output file into one tab-separated result row."""
    with open(path) as f:
        text = f.readlines()
    lines = [l for l in text if l.startswith(("BENCH ", "IDLE "))]
    cpu = [parse_kv(l) for l in text if l.startswith("CPU ")]
    row = dict.fromkeys(FIELDS, "")
    row.update(round=rnd, target=target, workload=workload)
    if not lines:                       # wrk or the helper failed outright
        row["errors"] = "fail"
    elif lines[-1].startswith("IDLE"):
        v = parse_kv(lines[-1])
        row["rss_kib"] = f"{v['per_conn_kib']:.2f}"
        row["errors"] = str(int(lost_count(v)))
    else:
        v = parse_kv(lines[-1])
        secs = v["duration_us"] / 1e6
        row["rps"] = f"{v['requests'] / secs:.1f}"
        row["mbps"] = f"{v['bytes'] / secs / 1048576:.2f}"
        row["p50_ms"] = f"{v['p50_us'] / 1000:.3f}"
        row["p99_ms"] = f"{v['p99_us'] / 1000:.3f}"
        row["errors"] = str(int(wrk_errors(v)))
        if cpu and v["requests"] > 0:
            used = cpu[-1]["after_s"] - cpu[-1]["before_s"]
            row["cpu_us"] = f"{used * 1e6 / v['requests']:.2f}"
    print("\t".join(row[k] for k in FIELDS))
    return 0


def load(tsv):
    """Rows of results.tsv grouped by (target, workload)."""
    groups = {}
    with open(tsv) as f:
        for line in f:
            row = dict(zip(FIELDS, line.rstrip("\n").split("\t")))
            groups.setdefault((row["target"], row["workload"]), []).append(row)
    return groups


def median(rows, key):
    vals = [float(r[key]) for r in rows if r.get(key) not in ("", None)]
    return statistics.median(vals) if vals else None


def summarise(rows):
    """Medians over rounds; errors are summed, since any error counts."""
    errs = [r["errors"] for r in rows]
    failed = sum(1 for e in errs if e == "fail")
    total = sum(int(e) for e in errs if e not in ("fail", ""))
    s = {k: median(rows, k) for k in ("rps", "mbps", "p50_ms", "p99_ms",
                                      "rss_kib", "cpu_us")}
    s["errors"] = f"{total}" + (f" ({failed} runs failed)" if failed else "")
    s["rounds"] = len(rows)
    return s


def ratio(mine, other, lower_is_better=False):
    if mine is None or not other:
        return "—"
    return f"{(other / mine if lower_is_better else mine / other):.2f}"


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def table(groups):
    """The markdown table: one row per workload and target."""
    out = ["| workload | target | req/s | MB/s | p50 ms | p99 ms | errors "
           "| RSS KiB/conn | CPU us/req | vs best peer | vs direct |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for wl, title, metric in WORKLOADS:
        stats = {t: summarise(groups[(t, wl)]) for t in TARGETS
                 if (t, wl) in groups}
        lower = metric == "rss"
        key = "rss_kib" if lower else metric
        peers = [stats[p][key] for p in PEERS
                 if p in stats and stats[p][key] is not None]
        best = (min(peers) if lower else max(peers)) if peers else None
        direct = stats.get("direct", {}).get(key)
        for t, s in stats.items():
            out.append("| %s |" % " | ".join((
                title, t, fmt(s["rps"], ".0f"), fmt(s["mbps"], ".1f"),
                fmt(s["p50_ms"], ".2f"), fmt(s["p99_ms"], ".2f"),
                s["errors"], fmt(s["rss_kib"], ".2f"),
                fmt(s["cpu_us"], ".1f"),
                ratio(s[key], best, lower),
                "—" if lower else ratio(s[key], direct))))
    return "\n".join(out)


def cpu_lines(path):
    """One line per target: CPU seconds of each process or thread, summed
    over rounds, in the order they were first seen."""
    secs = {}
    with open(path) as f:
        for line in f:
            _, target, name, val = line.rstrip("\n").split("\t")
            per = secs.setdefault(target, {})
            per[name] = per.get(name, 0.0) + float(val)
    # "lbd: worker 1" reads "worker 1" on the lbd line.
    return [f"- {t}: " + ", ".join(f"{n.split(': ', 1)[-1]} {v:.1f}"
                                   for n, v in sorted(per.items()))
            for t, per in secs.items()]


def cmd_report(tsv, cpu):
    """Print the table, its legend and the CPU split."""
    print(table(load(tsv)))
    print()
    print("Ratios: req/s for the request workloads, MB/s for 1 MiB "
          "responses, and for idle connections best-peer RSS / own RSS, "
          "so above 1 is better everywhere.  CPU us/req: CPU time of "
          "all the target's processes during the run over its requests "
          "(user + system, from /proc; none for direct).  Medians of all "
          "rounds; errors are summed over rounds.")
    if os.path.exists(cpu):
        print()
        print("CPU seconds per process (or HAProxy thread), all rounds:")
        print()
        print("\n".join(cpu_lines(cpu)))
    return 0


def scale_log(path):
    """The last BENCH and HOLD values of one scale log (None if absent)."""
    try:
        with open(path) as f:
            text = f.readlines()
    except OSError:
        return None, None
    last = {}
    for l in text:
        if l.startswith(("BENCH ", "HOLD ")):
            last[l.split()[0]] = parse_kv(l)
    return last.get("BENCH"), last.get("HOLD")


def rps(v):
    return v["requests"] / (v["duration_us"] / 1e6) if v else None


def cmd_scale(raw):
    """The scale table: one worker's keep-alive rate alone and among the
    idle connections it holds, under epoll and under poll."""
    out = ["| events | idle connections on the worker | req/s alone "
           "| req/s among them | ratio | p99 ms alone | p99 ms among them "
           "| errors |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for ev in ("epoll", "poll"):
        alone, _ = scale_log(f"{raw}/scale-{ev}-alone.txt")
        held, hold = scale_log(f"{raw}/scale-{ev}-held.txt")
        if alone is None and held is None:
            continue
        errs = sum(wrk_errors(v) for v in (alone, held) if v)
        errs += lost_count(hold) if hold else 0
        fail = "" if alone and held and hold else " (a run failed)"
        out.append("| %s |" % " | ".join((
            ev, fmt(hold and hold["opened"], ".0f"),
            fmt(rps(alone), ".0f"), fmt(rps(held), ".0f"),
            ratio(rps(held), rps(alone)),
            fmt(alone and alone["p99_us"] / 1000, ".2f"),
            fmt(held and held["p99_us"] / 1000, ".2f"),
            f"{errs:.0f}{fail}")))
    print("\n".join(out))
    return 0


COMMANDS = {"wait": cmd_wait, "cpu": cmd_cpu, "cputotal": cmd_cputotal,
            "idle": cmd_idle, "hold": cmd_hold, "scale": cmd_scale,
            "record": cmd_record, "report": cmd_report,
            "tree": lambda pid: print("\n".join(map(str, tree(int(pid)))))}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](*sys.argv[2:]) or 0)
