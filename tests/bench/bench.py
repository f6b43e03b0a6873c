#!/usr/bin/env python3
"""Helpers for tests/bench/run.sh, one subcommand each.

  wait PORT SECONDS [PATH..]  until GET /small (or each PATH) answers 200
  tree PID                    PID and all its descendants, one a line
  idle PORT N PID BPORTS [http]  RSS growth of PID's tree per idle
                              connection (http: after one request each)
  hold PORT N BPORTS CMD..    run CMD while N idle connections are held
  cpu PID                     CPU seconds of each process (or thread) of PID
  cputotal PID                CPU seconds of PID's whole tree, one number
  record ROUND TARGET WORKLOAD FILE   wrk's BENCH line -> results.tsv row
  report TSV CPU_TSV          the markdown table, the system call samples
                              (strace-* beside TSV) and the CPU split
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
    ("upload", "1 MiB uploads", "mbps"),
    ("idle", "idle connections held open", "rss"),
]
UPLOAD_BYTES = 1048576                  # upload.lua's body
# Each mode: its targets in table order, the peers lbd's row is judged
# against, and lbd's row.  direct, the ceiling, is listed in both.
MODES = [
    ("tcp", ["lbd", "lbd-poll", "haproxy", "nginx", "direct"],
     ["haproxy", "nginx"], "lbd"),
    ("http", ["lbd-http", "haproxy-http", "nginx-http", "direct"],
     ["haproxy-http", "nginx-http"], "lbd-http"),
]
# The targets lbd's row must meet, per mode and workload, as ratios to
# the better peer: req/s (or MB/s) at least "rate" x, CPU us/request at
# most "cpu" x, p99 no worse ("p99"), no errors ("errors"); for idle
# connections at most "rss_kib" KiB each.
GOALS = {
    ("tcp", "keepalive"): {"rate": 0.97, "cpu": 0.9},
    ("tcp", "close"): {"rate": 0.97, "cpu": 0.9},
    ("http", "keepalive"): {"rate": 1.05, "cpu": 0.85, "p99": 1,
                            "errors": 1},
    ("http", "close"): {"rate": 1.10, "cpu": 0.85, "p99": 1, "errors": 1},
    ("http", "big"): {"rate": 1.2, "p99": 1, "errors": 1},
    ("http", "upload"): {"rate": 1.2, "p99": 1, "errors": 1},
    ("http", "idle"): {"rss_kib": 1.0, "errors": 1},
}
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
    """The process title (lbd and nginx set one) cut to three words and
    before any "[" (lbd's "[gen N]"), as "lbd: worker 1" or "nginx:
    worker process"; else "pid N"."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            title = f.read().split(b"\0")[0].decode(errors="replace")
        title = title.split("[", 1)[0]
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


def http_response(s):
    """Read one HTTP response with a Content-Length from S; its status
    code, or 0 if it did not come whole within the socket's timeout."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                return 0
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = s.recv(4096)
            if not chunk:
                return 0
            body += chunk
        return int(head.split(None, 2)[1])
    except (OSError, ValueError, IndexError):
        return 0


def one_request(socks, batch=64):
    """Send GET /small on each of SOCKS and read its answer, BATCH
    connections at a time (as wrk -c64 would, rather than one burst that
    would make the target open a backend connection per client); how
    many were not answered 200."""
    req = b"GET /small HTTP/1.1\r\nHost: bench\r\n\r\n"
    bad = 0
    for i in range(0, len(socks), batch):
        sent = []
        for s in socks[i:i + batch]:
            try:
                s.sendall(req)
                sent.append(s)
            except OSError:
                bad += 1
        bad += sum(1 for s in sent if http_response(s) != 200)
    return bad


def settle(pids, bports, want, limit=15.0):
    """Wait until the target has a backend connection for each client (it
    connects upstream at accept in TCP mode; WANT is 0 in HTTP mode,
    where backend connections are pooled) and its RSS stops moving."""
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
    """Idle connections that failed, were closed, were not answered 200,
    or (unless backend connections are pooled) never reached a backend,
    from an IDLE or HOLD line's values."""
    lost = v["failed"] + v["closed"] + v.get("bad_status", 0)
    if not v.get("pooled"):
        lost += max(0, v["opened"] - v["upstream"])
    return lost


def cmd_idle(port, n, pid, bports, kind="tcp"):
    """Open N idle connections through the target (in HTTP mode, each
    after one request answered), measure the RSS of all its processes
    before and after, then close them.  Prints one line."""
    raise_nofile()
    port, n = int(port), int(n)
    bports = {int(p) for p in bports.split(",")}
    pids = tree(int(pid))
    before = rss_kib(pids)
    socks, fails = open_idle(port, n)
    bad = one_request(socks) if kind == "http" else 0
    after = settle(pids, bports, len(socks) if kind == "tcp" else 0)
    upstream = upstream_count(bports)
    closed = closed_count(socks)
    held = len(socks) - closed
    per = (after - before) / held if held else float("nan")
    for s in socks:
        s.close()
    print(f"IDLE n={n} opened={len(socks)} failed={fails} closed={closed} "
          f"upstream={upstream} pooled={int(kind == 'http')} "
          f"bad_status={bad} rss_before_kib={before} "
          f"rss_after_kib={after} per_conn_kib={per:.2f}")
    return 0


def cmd_hold(port, n, bports, kind, *cmd):
    """Open N idle connections through the target, make them idle the way
    KIND's clients are (tcp: each with its backend connection; http:
    keep-alive, after one request answered), run CMD, then say how many
    stayed open."""
    raise_nofile()
    port, n = int(port), int(n)
    bports = {int(p) for p in bports.split(",")}
    socks, fails = open_idle(port, n)
    bad = 0
    if kind == "http":
        bad = one_request(socks)
    else:
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
          f"upstream={upstream} pooled={int(kind == 'http')} "
          f"bad_status={bad}")
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
        moved = v["bytes"]
        if workload == "upload":        # what wrk sent, not its answers
            moved = v["requests"] * UPLOAD_BYTES
        row["mbps"] = f"{moved / secs / 1048576:.2f}"
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


def syscalls(raw, target, wl):
    """The strace -c sample of TARGET under workload WL: (calls per
    request, [(syscall, calls per request)] most frequent first), or
    None when there is no usable sample."""
    try:
        with open(f"{raw}/strace-{target}-{wl}.wrk") as f:
            bench = [l for l in f if l.startswith("BENCH ")]
        with open(f"{raw}/strace-{target}-{wl}.strace") as f:
            lines = f.readlines()
    except OSError:
        return None
    reqs = parse_kv(bench[-1])["requests"] if bench else 0
    calls = {}
    for line in lines:
        f = line.split()
        # "% time seconds usecs/call calls [errors] syscall"
        if len(f) >= 5 and f[3].isdigit() and not f[0].startswith("-"):
            calls[f[-1]] = int(f[3])
    total = calls.pop("total", None)
    if not reqs or total is None:
        return None
    top = sorted(calls.items(), key=lambda kv: -kv[1])
    return total / reqs, [(name, n / reqs) for name, n in top]


def best_of(stats, peers, key, lower):
    """The better peer's value of KEY (the lower one if LOWER)."""
    vals = [stats[p][key] for p in peers
            if p in stats and stats[p][key] is not None]
    if not vals:
        return None
    return min(vals) if lower else max(vals)


def judge(goal, s, stats, peers, key):
    """"yes", or "no: " and what was missed, for lbd's row S against
    GOAL; "—" when there is nothing to judge it against."""
    missed = []
    if "rate" in goal:
        best = best_of(stats, peers, key, False)
        if best is None or s[key] is None:
            return "—"
        if s[key] < goal["rate"] * best:
            missed.append(f"rate {s[key] / best:.2f} < {goal['rate']}")
    if "cpu" in goal:
        best = best_of(stats, peers, "cpu_us", True)
        if best and s["cpu_us"] is not None and \
                s["cpu_us"] > goal["cpu"] * best:
            missed.append(f"CPU {s['cpu_us'] / best:.2f} > {goal['cpu']}")
    if "p99" in goal:
        best = best_of(stats, peers, "p99_ms", True)
        if best is not None and s["p99_ms"] is not None and \
                s["p99_ms"] > best:
            missed.append(f"p99 {s['p99_ms']:.2f} > {best:.2f} ms")
    if "rss_kib" in goal:
        if s["rss_kib"] is None:
            return "—"
        if s["rss_kib"] > goal["rss_kib"]:
            missed.append(f"RSS {s['rss_kib']:.2f} > {goal['rss_kib']} KiB")
    if "errors" in goal and s["errors"] != "0":
        missed.append("errors")
    return "no: " + ", ".join(missed) if missed else "yes"


def table(groups, raw):
    """The markdown table: one row per workload and target, TCP mode
    first, then HTTP mode; each (target, workload) shown once."""
    out = ["| workload | target | req/s | MB/s | p50 ms | p99 ms | errors "
           "| RSS KiB/conn | CPU us/req | syscalls/req | vs best peer "
           "| CPU vs best peer | vs direct | met |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
           "|---|"]
    shown = set()
    for mode, targets, peers, own in MODES:
        for wl, title, metric in WORKLOADS:
            if mode == "tcp" and wl == "upload":
                continue                # an HTTP workload; direct's too
            stats = {t: summarise(groups[(t, wl)]) for t in targets
                     if (t, wl) in groups and (t, wl) not in shown}
            shown.update((t, wl) for t in stats)
            lower = metric == "rss"
            key = "rss_kib" if lower else metric
            best = best_of(stats, peers, key, lower)
            cpu_best = best_of(stats, peers, "cpu_us", True)
            direct = stats.get("direct", {}).get(key)
            if direct is None and (("direct", wl) in groups):
                direct = summarise(groups[("direct", wl)])[key]
            goal = GOALS.get((mode, wl))
            for t, s in stats.items():
                sc = syscalls(raw, t, wl)
                met = "—"
                if t == own and goal:
                    met = judge(goal, s, stats, peers, key)
                out.append("| %s |" % " | ".join((
                    title, t, fmt(s["rps"], ".0f"), fmt(s["mbps"], ".1f"),
                    fmt(s["p50_ms"], ".2f"), fmt(s["p99_ms"], ".2f"),
                    s["errors"], fmt(s["rss_kib"], ".2f"),
                    fmt(s["cpu_us"], ".1f"), fmt(sc and sc[0], ".1f"),
                    ratio(s[key], best, lower),
                    "—" if s["cpu_us"] is None or not cpu_best
                    else f"{s['cpu_us'] / cpu_best:.2f}",
                    "—" if lower else ratio(s[key], direct), met)))
    return "\n".join(out)


def syscall_lines(raw):
    """One line per sample: system calls per request, the five most
    frequent ones first."""
    out = []
    for _, targets, _, _ in MODES:
        for t in targets:
            for wl, title, _ in WORKLOADS:
                sc = syscalls(raw, t, wl)
                if sc and (t, wl) not in (x[:2] for x in out):
                    top = ", ".join(f"{n} {v:.2f}" for n, v in sc[1][:5])
                    out.append((t, wl, f"- {t}, {title}: {sc[0]:.1f} "
                                f"({top})"))
    return [x[2] for x in out]


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
    """Print the table, its legend, the system call samples and the CPU
    split."""
    raw = os.path.dirname(os.path.abspath(tsv))
    print(table(load(tsv), raw))
    print()
    print("Ratios are to the better peer (HAProxy or nginx in the same "
          "mode): req/s for the request workloads, MB/s for 1 MiB "
          "responses and uploads, and for idle connections best-peer RSS "
          "/ own RSS, so above 1 is better; CPU vs best peer is own CPU "
          "us/req over the lower peer's, so below 1 is better.  CPU "
          "us/req: CPU time of all the target's processes during the run "
          "over its requests (user + system, from /proc; none for "
          "direct).  syscalls/req: all system calls of the target's "
          "processes and threads over the requests served, from a "
          "separate strace -c run.  met: lbd's targets for that workload "
          "(what is missed is named).  Medians of all rounds; errors "
          "(non-2xx answers included) are summed over rounds.")
    lines = syscall_lines(raw)
    if lines:
        print()
        print("System calls per request (strace -c -f, a separate "
              "2-second run per target and workload), the most frequent "
              "first:")
        print()
        print("\n".join(lines))
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


SCALE_RUNS = {"epoll": "TCP, epoll", "poll": "TCP, poll",
              "http": "HTTP keep-alive clients, epoll"}


def cmd_scale(raw):
    """The scale table: one worker's keep-alive rate alone and among the
    idle connections it holds, under epoll and under poll."""
    out = ["| run | idle connections on the worker | req/s alone "
           "| req/s among them | ratio | p99 ms alone | p99 ms among them "
           "| errors |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for ev in ("epoll", "poll", "http"):
        alone, _ = scale_log(f"{raw}/scale-{ev}-alone.txt")
        held, hold = scale_log(f"{raw}/scale-{ev}-held.txt")
        if alone is None and held is None:
            continue
        errs = sum(wrk_errors(v) for v in (alone, held) if v)
        errs += lost_count(hold) if hold else 0
        fail = "" if alone and held and hold else " (a run failed)"
        out.append("| %s |" % " | ".join((
            SCALE_RUNS[ev], fmt(hold and hold["opened"], ".0f"),
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
