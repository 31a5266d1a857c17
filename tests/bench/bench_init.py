# bench_init.py: the init half of the suite. keel against tini, tini-static,
# dumb-init and catatonit, each run as PID 1 of a new PID namespace the way
# a container runtime runs it: binary size, start-to-exit overhead, PID 1's
# own peak RSS, signal forwarding latency and orphans reaped per second.
import json
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import time

from bench_lib import median, note, percentile, rotations, run, spread

# --kill-child: when a run times out and unshare is killed, PID 1 goes too
UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"]
PEERS = [("tini", "/usr/bin/tini"), ("tini-static", "/usr/bin/tini-static"),
         ("dumb-init", "/usr/bin/dumb-init"), ("catatonit", "/usr/bin/catatonit")]


def inits(keel_bin):
    """[(name, path, available, why)]: an init that cannot run `-- true`
    keeps its row, marked unavailable."""
    out = []
    for name, path in [("keel", keel_bin)] + PEERS:
        if not os.path.exists(path):
            out.append((name, path, False, "not installed"))
            continue
        r = run([path, "--", "/bin/true"], timeout=10)
        why = "" if r.ok else "`%s -- true` exits %d: %s" % (
            os.path.basename(path), r.rc, r.err.strip().splitlines()[-1][:120]
            if r.err.strip() else "")
        out.append((name, path, r.ok, why))
    return out


def is_static(path):
    out = subprocess.run(["readelf", "-l", path], capture_output=True,
                         text=True).stdout
    return "program interpreter" not in out


def namespace_init_pid(unshare_pid, timeout=5):
    """The host PID of the process unshare forked (PID 1 inside)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == unshare_pid:
                return int(d)
        time.sleep(0.005)
    return None


def start_overhead(avail, runs, rounds):
    """hyperfine over `INIT -- true`, plain and as PID 1, against `true`
    and `unshare ... true`; rounds rotate the order of the commands."""
    cmds = [("direct", "plain", ["/bin/true"]),
            ("direct", "pid1", UNSHARE + ["/bin/true"])]
    for name, path, _, _ in avail:
        cmds.append((name, "plain", [path, "--", "/bin/true"]))
        cmds.append((name, "pid1", UNSHARE + [path, "--", "/bin/true"]))
    per = {(c[0], c[1]): [] for c in cmds}
    ratios = {(c[0], c[1]): [] for c in cmds}
    if not shutil.which("hyperfine"):
        note("hyperfine is not installed: start-to-exit is left out")
        rounds = 0
    with tempfile.TemporaryDirectory(prefix="keel-hf.") as tmp:
        for rnd in range(rounds):
            note("init start-to-exit: round %d of %d" % (rnd + 1, rounds))
            k = rnd % len(cmds)
            order = cmds[k:] + cmds[:k]
            js = os.path.join(tmp, "r%d.json" % rnd)
            argv = ["hyperfine", "--shell=none", "--style", "none",
                    "--warmup", "5", "--runs", str(runs), "--export-json", js]
            argv += [" ".join(c[2]) for c in order]
            r = run(argv, timeout=600)
            if not r.ok:
                note("hyperfine failed: %s" % r.err.strip()[-200:])
                continue
            with open(js) as f:
                results = json.load(f)["results"]
            med = {}
            for c, res in zip(order, results):
                per[(c[0], c[1])] += res["times"]
                med[(c[0], c[1])] = median(res["times"])
            for key in med:
                base = med[("direct", key[1])]
                ratios[key].append(med[key] / base)
    out = {}
    for key in per:
        out["%s/%s" % key] = {
            "median_ms": median(per[key]) * 1e3 if per[key] else None,
            "p99_ms": percentile(per[key], 99) * 1e3 if per[key] else None,
            "ratio": median(ratios[key]), "ratio_spread": spread(ratios[key]),
            "runs": len(per[key])}
    return out


def stop(p, wait=10):
    """Waits for unshare; kills it (and with it the namespace) if it hangs."""
    try:
        p.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def pid1_rss(avail, rounds):
    """VmHWM of PID 1 itself while its child sleeps."""
    res = {a[0]: [] for a in avail}
    for _, (name, path, _, _) in rotations(avail, rounds):
        p = subprocess.Popen(UNSHARE + [path, "--", "sleep", "1"])
        pid = namespace_init_pid(p.pid)
        time.sleep(0.5)
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        res[name].append(int(line.split()[1]) * 1024)
        except (OSError, TypeError):
            pass
        stop(p)
    return {n: {"vmhwm": median(v), "spread": spread(v)} for n, v in res.items()}


def cpu_cgroup():
    """A new cgroup v1 cpu group to run in, as a container runtime gives
    every container one, or None where none can be made. The kernel's
    autogroups (a group per session) apply only outside such groups: an
    init that puts its child in a session of its own (dumb-init) is
    scheduled differently here than in a container."""
    base = "/sys/fs/cgroup/cpu"
    if not os.access(os.path.join(base, "cgroup.procs"), os.W_OK):
        return None
    d = os.path.join(base, "keel-bench-%d" % os.getpid())
    try:
        os.mkdir(d)
    except OSError:
        return None
    return d


def in_cgroup(cgdir, cmd):
    """cmd, moved into cgdir first (None: as it is)."""
    if not cgdir:
        return cmd
    return ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"',
            cgdir] + cmd


def signal_latency(avail, bench_bin, n, rounds, cgdir=None):
    """kill(2) of PID 1 to the child's handler, in microseconds; 'direct'
    signals the child itself: the floor no init can beat. With cgdir, the
    init (or the direct child) runs in that cpu cgroup; the sender stays
    outside, as `docker kill` does."""
    siglat = bench_bin + "/siglat"
    configs = [("direct", None)] + [(a[0], a[1]) for a in avail]
    res = {c[0]: [] for c in configs}
    with tempfile.TemporaryDirectory(prefix="keel-sig.") as tmp:
        for rep, (name, path) in rotations(configs, rounds):
            note("signal latency: %s, round %d" % (name, rep + 1))
            fifo = os.path.join(tmp, "fifo")
            out = os.path.join(tmp, "lat")
            if os.path.exists(fifo):
                os.unlink(fifo)
            os.mkfifo(fifo)
            if path is None:
                p = subprocess.Popen(in_cgroup(cgdir, [siglat, "child", fifo]))
                target = p.pid
            else:
                p = subprocess.Popen(in_cgroup(cgdir, UNSHARE + [
                    path, "--", siglat, "child", fifo]))
                target = namespace_init_pid(p.pid)
            r = run([siglat, "send", str(target), str(n), fifo, out],
                    timeout=60) if target else None
            if r and r.ok:
                with open(out) as f:
                    res[name] += [float(x) for x in f]
            else:
                note("signal latency under %s failed: %s (child: %s)" %
                     (name, r.err.strip()[-200:] if r else "no PID 1",
                      p.poll()))
            try:
                os.kill(target, signal.SIGTERM)
            except (OSError, TypeError):
                pass
            stop(p)
    base = median(res["direct"])
    return {k: {"median_us": median(v), "p99_us": percentile(v, 99),
                "ratio": median(v) / base if v and base else None,
                "n": len(v)} for k, v in res.items()}


def orphans(avail, bench_bin, n, per_run, rounds):
    """Orphans reaped per second by PID 1 (n orphans released at once)."""
    res = {a[0]: [] for a in avail}
    for rep, (name, path, _, _) in rotations(avail, rounds):
        note("orphan reaping: %s, round %d" % (name, rep + 1))
        r = run(UNSHARE + [path, "--", bench_bin + "/orphans", str(n),
                           str(per_run)], timeout=120)
        for line in r.out.splitlines():
            f = line.split()
            if f[:1] == ["reaped"]:
                res[name].append(int(f[1]) / float(f[3]))
        if not r.ok:
            note("orphans under %s exit %d: %s" % (name, r.rc, r.err.strip()[-200:]))
    return {k: {"per_s": median(v), "spread": spread(v), "n": len(v)}
            for k, v in res.items()}


def hostile_scan(keel_bin, entries, rounds):
    """What hostile entries in a statistics folder cost one scan (the scan
    PID 1's report and sweep make, and `keel stats`). Beside keel's own
    (empty) instance folder the benchmark makes a second one naming the
    same live keel, fills it as an attacker would (junk names, names of
    dead pids, FIFOs, links, garbage of the exact size under the names of
    live pids), and times `keel stats`, which scans both, against a run
    before the second folder existed. keel itself would sweep its own
    folder while it is filled, so the second one is not its own."""
    base = tempfile.mkdtemp(prefix="keel-bench-scan-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    env["KEEL_STATS_DIR"] = base
    p = subprocess.Popen(UNSHARE + [keel_bin, "--", "sleep", "120"], env=env,
                         stderr=subprocess.DEVNULL)
    try:
        names = []
        end = time.monotonic() + 5
        while time.monotonic() < end and not names:
            names = [n for n in os.listdir(base) if n.count(".") == 2]
            time.sleep(0.01)
        kpid = namespace_init_pid(p.pid)
        if not names or not kpid:
            return {"error": "keel did not start"}

        def timed():
            out = []
            for _ in range(rounds):
                t = time.perf_counter()
                subprocess.run(["nsenter", "-t", str(kpid), "-p", "-m",
                                keel_bin, "stats"], env=env,
                               capture_output=True)
                out.append(time.perf_counter() - t)
            return median(out)

        empty = timed()
        ns, _, _ = names[0].split(".")
        inst = os.path.join(base, "%s.1.b0b" % ns)
        os.mkdir(inst, 0o1777)
        with open("/proc/%d/stat" % kpid) as f:
            start = int(f.read().rsplit(")", 1)[1].split()[19])
        with open(os.path.join(inst, "control"), "wb") as f:
            f.write(struct.pack("<QIIIIQIIQ", 0x4c52544e4f434b4b, 2, 48, 0,
                                0, 0, 1, 0, start))
        os.chmod(os.path.join(inst, "control"), 0o644)
        live = [int(d) for d in os.listdir("/proc") if d.isdigit()][:50]
        garbage = os.urandom(2416)
        for i in range(entries):
            kind = i % 5
            if kind == 0:
                path = os.path.join(inst, "junk%d" % i)
            else:
                pid = live[i % len(live)] if kind >= 3 else 4000000 - i
                path = os.path.join(inst, "%d.%x" % (pid, i))
            if kind == 3 and i % 10 == 3:
                os.mkfifo(path)
            elif kind == 3:
                os.symlink("/proc/1/mem", path)
            else:
                with open(path, "wb") as f:
                    f.write(garbage if kind == 4 else b"")
        full = timed()
        return {"entries": entries, "rounds": rounds,
                "empty_ms": empty * 1000, "full_ms": full * 1000,
                "per_scan_ms": (full - empty) * 1000}
    finally:
        stop(p)
        shutil.rmtree(base, ignore_errors=True)


def init_bench(keel_bin, bench_bin, quick):
    all_inits = inits(keel_bin)
    avail = [a for a in all_inits if a[2]]
    table = {}
    for name, path, ok, why in all_inits:
        size = os.path.getsize(path) if os.path.exists(path) else None
        # keel's own build path says nothing to a reader: its name only
        shown = "build/keel" if name == "keel" else path
        table[name] = {"path": shown, "available": ok, "why": why,
                       "size": size,
                       "static": is_static(path) if size else None}
    cgdir = cpu_cgroup()
    try:
        signal_cgroup = signal_latency(
            avail, bench_bin, 100 if quick else 400, 1 if quick else 2,
            cgdir) if cgdir else None
    finally:
        if cgdir:
            os.rmdir(cgdir)
    return {
        "inits": table,
        "start": start_overhead(avail, 30 if quick else 200, 2 if quick else 3),
        "pid1_rss": pid1_rss(avail, 1 if quick else 3),
        "signal": signal_latency(avail, bench_bin, 100 if quick else 400,
                                 1 if quick else 2),
        "signal_cgroup": signal_cgroup,
        "orphans": orphans(avail, bench_bin, 300 if quick else 1000,
                           3 if quick else 5, 1 if quick else 2),
        "scan": hostile_scan(keel_bin, 10000, 5 if quick else 20),
    }
