# bench_report.py: turns one run's results into docs/BENCHMARKS.md, the
# RSS-over-time plots (gnuplot) and a reading written from the numbers, so
# nothing in the document is typed in by hand.
import os
import subprocess

from bench_lib import note


def mib(b):
    return "-" if b is None else "%.1f MiB" % (b / (1 << 20))


def kib(b):
    return "-" if b is None else "%d KiB" % (b / 1024)


def fx(x, fmt="%.2f"):
    return "-" if x is None else fmt % x


def ratio(s):
    """'median (min-max)' of a summary of ratios."""
    if not s or s.get("median") is None:
        return "failed"
    lo, hi = s["spread"]
    return "%.2f (%.2f-%.2f)" % (s["median"], lo, hi)


def gnuplot(script, data):
    """Runs a gnuplot script, then removes its data file; False when the
    plot could not be made (it is then left out of the report)."""
    try:
        r = subprocess.run(["gnuplot"], input=script, text=True,
                           capture_output=True)
    except OSError as e:
        note("gnuplot: %s: the plot is left out" % e)
        return False
    finally:
        os.unlink(data)
    if r.returncode:
        note("gnuplot failed: %s" % r.stderr.strip()[-200:])
    return r.returncode == 0


def plot(seed, path, title):
    """One line per allocator: RSS over time, plus live bytes of glibc's
    run as the floor every allocator would ideally sit on."""
    data = path + ".dat"
    names = [n for n, v in seed["alloc"].items()
             if v.get("samples") and not is_variant(n)]
    if not names:
        return False
    with open(data, "w") as f:
        for n in names:
            f.write("# %s\n" % n)
            for t, rss, live in seed["alloc"][n]["samples"]:
                f.write("%.3f %.3f %.3f\n" % (t, rss / 1048576, live / 1048576))
            f.write("\n\n")
    lines = ["'%s' index %d using 1:2 with lines lw 2 title '%s'"
             % (data, i, n) for i, n in enumerate(names)]
    lines.append("'%s' index 0 using 1:3 with lines dt 2 lc rgb 'gray40' "
                 "title 'live bytes (%s run)'" % (data, names[0]))
    script = ("set terminal pngcairo size 1000,500\nset output '%s'\n"
              "set title '%s'\nset xlabel 'seconds'\nset ylabel 'MiB'\n"
              "set key outside right top\nset grid\nplot %s\n"
              % (path, title, ", ".join(lines)))
    return gnuplot(script, data)


def is_variant(name):
    """keel at another KEEL_DECAY_MS: a point of the frontier only."""
    return " decay=" in name


def frontier_points(seed):
    """(label, ops/s, RSS/live over the 2nd half) per configuration that
    completed: the allocators, then keel by KEEL_DECAY_MS."""
    pts = []
    for n, v in seed["alloc"].items():
        ops, rl = v["ops_s"]["median"], v["rss_live_2nd_half"]["median"]
        if ops and rl:
            pts.append((n, ops, rl))
    return pts


def keel_decay(name):
    return int(name.split("decay=")[1].rstrip("ms")) if is_variant(name) \
        else 500


def frontier_plot(seed, path, label):
    """The seed pattern's frontier: RSS/live against appends per second,
    one point per allocator, keel's KEEL_DECAY_MS settings joined."""
    pts = frontier_points(seed)
    keel = sorted((p for p in pts if p[0] == "keel" or is_variant(p[0])),
                  key=lambda p: keel_decay(p[0]))
    if len(keel) < 2:
        return False
    data = path + ".dat"
    with open(data, "w") as f:
        for n, ops, rl in pts:
            if n != "keel" and not is_variant(n):
                f.write("%.4f %.3f %s\n" % (ops / 1e6, rl, n))
        f.write("\n\n")
        for n, ops, rl in keel:
            f.write("%.4f %.3f %dms\n" % (ops / 1e6, rl, keel_decay(n)))
    script = (
        "set terminal pngcairo size 900,500\nset output '%s'\n"
        "set title 'seed pattern (%s): RSS/live against speed'\n"
        "set xlabel 'million appends per second (right is faster)'\n"
        "set ylabel 'RSS / live, 2nd half (lower is leaner)'\n"
        "set grid\nset key top left\n"
        "plot '%s' index 0 using 1:2 with points pt 7 ps 1.5 title 'peers', "
        "'' index 0 using 1:2:3 with labels offset 0,1 notitle, "
        "'' index 1 using 1:2 with linespoints lw 2 pt 5 "
        "title 'keel, KEEL\\_DECAY\\_MS', "
        "'' index 1 using 1:2:3 with labels offset 0,-1 notitle\n"
        % (path, label, data))
    return gnuplot(script, data)


def frontier_table(seed):
    pts = frontier_points(seed)
    je = seed["alloc"].get("jemalloc", {}).get("ops_s", {}).get("median")
    out = ["| configuration | RSS / live, 2nd half | ops/s | ops/s vs jemalloc |",
           "| --- | --- | --- | --- |"]
    pts.sort(key=lambda p: (p[0] == "keel" or is_variant(p[0]),
                            keel_decay(p[0]), p[1]))
    for n, ops, rl in pts:
        if n == "keel":
            n = "keel decay=500ms (default)"
        out.append("| %s | %.2f | %.0f | %s |" % (
            n, rl, ops, fx(ops / je) if je else ""))
    return out


def seed_table(seed, allocs):
    out = ["| allocator | final RSS / live | RSS / live, 2nd half | "
           "RSS slope, 2nd half (MiB/min) | peak RSS | ops/s | "
           "ops/s vs glibc | final RSS / glibc's |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name in allocs:
        a = seed["alloc"].get(name)
        if not a or a["rss_live_final"]["median"] is None:
            out.append("| %s | failed | | | | | | |" % name)
            continue
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, ratio(a["rss_live_final"]), ratio(a["rss_live_2nd_half"]),
            fx(a["slope_mib_min"]["median"], "%+.1f"),
            mib(a["peak_rss"]["median"]), fx(a["ops_s"]["median"], "%.0f"),
            fx(a.get("ops_s_vs_glibc")), fx(a.get("rss_live_final_vs_glibc"))))
    return out


def seed_reading(seed, label):
    a = {n: v for n, v in seed["alloc"].items()
         if v["rss_live_final"]["median"] is not None and not is_variant(n)}
    if not a:
        return ["- %s: no allocator completed." % label]
    best = min(a, key=lambda n: a[n]["rss_live_final"]["median"])
    fast = max(a, key=lambda n: a[n]["ops_s"]["median"] or 0)
    s = ["- %s: the lowest final RSS/live is %s's (%.2f); the highest "
         "throughput is %s's." % (label, best, a[best]["rss_live_final"]
                                  ["median"], fast)]
    if "glibc" in a:
        g = a["glibc"]
        s.append("  glibc ends at %.2f x live with a second-half slope of "
                 "%+.1f MiB/min." % (g["rss_live_final"]["median"],
                                     g["slope_mib_min"]["median"] or 0))
    if "keel" in a and best != "keel":
        k = a["keel"]
        s.append("  keel loses here: %.2f x live against %s's %.2f."
                 % (k["rss_live_final"]["median"], best,
                    a[best]["rss_live_final"]["median"]))
    # the last sample falls anywhere in a wave of the pattern: the median
    # of the second half's samples is said too, whichever way it goes
    half = {n: v for n, v in a.items()
            if (v.get("rss_live_2nd_half") or {}).get("median") is not None}
    if half:
        low = min(half, key=lambda n: half[n]["rss_live_2nd_half"]["median"])
        if low != best:
            s.append("  Over the second half's samples the lowest is %s's "
                     "(%.2f; %s's %.2f)." % (
                         low, half[low]["rss_live_2nd_half"]["median"], best,
                         half[best]["rss_live_2nd_half"]["median"]))
    if "keel" in a and fast != "keel" and a["keel"].get("ops_s_vs_glibc"):
        s.append("  keel is not the fastest: %.2f x glibc's operations per "
                 "second (%s: %.2f x)." % (a["keel"]["ops_s_vs_glibc"], fast,
                                          a[fast].get("ops_s_vs_glibc") or 0))
    return s


def over_peer(row, key, peer):
    """keel's median ratio over a peer's, in the same run, or None."""
    k, p = row["alloc"].get("keel"), row["alloc"].get(peer)
    if not k or not p or not k[key] or not p[key]:
        return None
    return k[key]["median"] / p[key]["median"]


def throughput_table(tp, allocs, key):
    peers = [p for p in ("mimalloc", "jemalloc")
             if p in allocs and "keel" in allocs]
    out = ["| workload | " + " | ".join(allocs) +
           "".join(" | keel / %s" % p for p in peers) + " |",
           "| --- |" + " --- |" * (len(allocs) + len(peers))]
    for row in tp["rows"]:
        cells = []
        for n in allocs:
            a = row["alloc"].get(n)
            cells.append(ratio(a[key]) if a else "-")
        cells += [fx(over_peer(row, key, p)) for p in peers]
        name = row["name"] + ("" if row["checksums_agree"] else
                              " (checksums differ!)")
        out.append("| %s | %s |" % (name, " | ".join(cells)))
    geo = tp["geomean"]
    g = "time" if key == "time_ratio" else "rss"
    out.append("| **geometric mean** | %s |" % " | ".join(
        ["**%s**" % fx(geo[n][g]) for n in allocs] +
        ["**%s**" % fx(geo["keel"][g] / geo[p][g]
                       if geo["keel"][g] and geo[p][g] else None)
         for p in peers]))
    return out


def idle_table(idle, allocs):
    out = ["| allocator | RSS after the frees | RSS 1 s later | "
           "/ (live + baseline) at 1 s | at %.0f s |" % idle["seconds"],
           "| --- | --- | --- | --- | --- |"]
    for name in allocs:
        a = idle["alloc"].get(name)
        if not a or a["ratio_1s"]["median"] is None:
            out.append("| %s | failed | | | |" % name)
            continue
        out.append("| %s | %s | %s | %s | %s |" % (
            name, mib(a["rss_0"]["median"]), mib(a["rss_1s"]["median"]),
            ratio(a["ratio_1s"]), ratio(a["ratio_end"])))
    return out


def throughput_reading(tp, allocs):
    s = []
    geo = tp["geomean"]
    ranked = sorted((n for n in allocs if geo[n]["time"]),
                    key=lambda n: geo[n]["time"])
    s.append("- Time, geometric mean over %d workloads (lower is faster): %s."
             % (len(tp["rows"]), ", ".join("%s %.2f" % (n, geo[n]["time"])
                                           for n in ranked)))
    ranked = sorted((n for n in allocs if geo[n]["rss"]),
                    key=lambda n: geo[n]["rss"])
    s.append("- Peak RSS, geometric mean: %s." % ", ".join(
        "%s %.2f" % (n, geo[n]["rss"]) for n in ranked))
    for row in tp["rows"]:
        t = {n: row["alloc"][n]["time_ratio"]["median"] for n in allocs
             if row["alloc"][n]["time_ratio"]}
        if not t:
            continue
        best = min(t, key=t.get)
        line = "- %s: fastest is %s (%.2f x glibc)" % (row["name"], best, t[best])
        if "keel" in t and best != "keel":
            line += "; keel is %.2f x glibc, behind %s" % (t["keel"], best)
            f = row["alloc"]["keel"].get("minflt_ratio")
            if t["keel"] > 1.2 and f and f["median"] > 2:
                line += (", with %.1f x glibc's minor page faults (memory "
                         "given back to the OS and faulted in again)"
                         % f["median"])
        s.append(line + ".")
    return s


def init_tables(ib):
    names = list(ib["inits"])
    out = ["| init | size | static | start-to-exit as PID 1 | ratio to "
           "`unshare true` | plain | ratio to `true` | PID 1 VmHWM | "
           "signal latency median / p99 | vs direct | in a cpu cgroup | "
           "orphans reaped/s |",
           "| --- |" + " --- |" * 11]
    st, rss, sig, orp = ib["start"], ib["pid1_rss"], ib["signal"], ib["orphans"]
    sgc = ib.get("signal_cgroup") or {}

    def cgroup_cell(n):
        v = sgc.get(n, {})
        if v.get("median_us") is None:
            return "-"
        return "%s / %s us" % (fx(v["median_us"], "%.1f"),
                               fx(v.get("p99_us"), "%.1f"))

    def start_cell(key):
        v = st.get(key)
        if not v or v["median_ms"] is None:
            return "-", "-"
        lo, hi = v["ratio_spread"] or (0, 0)
        return ("%.2f ms" % v["median_ms"],
                "%.2f (%.2f-%.2f)" % (v["ratio"], lo, hi))
    d1, _ = start_cell("direct/pid1")
    d0, _ = start_cell("direct/plain")
    s = sig.get("direct", {})
    out.append("| (none: `true` directly) | | | %s | 1.00 | %s | 1.00 | | "
               "%s / %s us | 1.00 | %s | |" % (
                   d1, d0, fx(s.get("median_us"), "%.1f"),
                   fx(s.get("p99_us"), "%.1f"), cgroup_cell("direct")))
    for n in names:
        i = ib["inits"][n]
        size = kib(i["size"])
        static = {True: "yes", False: "no", None: "-"}[i["static"]]
        if not i["available"]:
            out.append("| %s | %s | %s | unavailable: %s |%s" %
                       (n, size, static, i["why"], " |" * 8))
            continue
        p1, p1r = start_cell(n + "/pid1")
        p0, p0r = start_cell(n + "/plain")
        sg = sig.get(n, {})
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s us | "
                   "%s | %s | %s |" % (
                       n, size, static, p1, p1r, p0, p0r,
                       kib(rss.get(n, {}).get("vmhwm")),
                       fx(sg.get("median_us"), "%.1f"),
                       fx(sg.get("p99_us"), "%.1f"), fx(sg.get("ratio")),
                       cgroup_cell(n),
                       fx(orp.get(n, {}).get("per_s"), "%.0f")))
    return out


def init_reading(ib):
    avail = [n for n, i in ib["inits"].items() if i["available"]]
    s = []
    if "keel" not in avail:
        s.append("- keel's init did not run (%s): its row is empty until it "
                 "does." % ib["inits"].get("keel", {}).get("why", "missing"))
    st = {n: ib["start"].get(n + "/pid1", {}).get("ratio") for n in avail}
    st = {n: v for n, v in st.items() if v}
    if st:
        b = min(st, key=st.get)
        s.append("- Fastest start-to-exit as PID 1: %s (%.2f x `unshare true`)."
                 % (b, st[b]))
    rs = {n: ib["pid1_rss"].get(n, {}).get("vmhwm") for n in avail}
    rs = {n: v for n, v in rs.items() if v}
    if rs:
        b = min(rs, key=rs.get)
        s.append("- Smallest PID 1 footprint: %s (%s VmHWM)." % (b, kib(rs[b])))
    sg = {n: ib["signal"].get(n, {}).get("median_us") for n in avail}
    sg = {n: v for n, v in sg.items() if v}
    if sg:
        b = min(sg, key=sg.get)
        s.append("- Lowest signal forwarding latency: %s (%.1f us median)."
                 % (b, sg[b]))
    sgc = {n: (ib.get("signal_cgroup") or {}).get(n, {}).get("median_us")
           for n in avail}
    sgc = {n: v for n, v in sgc.items() if v}
    if sgc:
        b = min(sgc, key=sgc.get)
        s.append("- Lowest signal forwarding latency in a cpu cgroup of its "
                 "own, as in a container: %s (%.1f us median)." % (b, sgc[b]))
    og = {n: ib["orphans"].get(n, {}).get("per_s") for n in avail}
    og = {n: v for n, v in og.items() if v}
    if og:
        b = max(og, key=og.get)
        s.append("- Most orphans reaped per second: %s (%.0f/s); the figure "
                 "includes the orphans' own exit, so it is a floor." % (b, og[b]))
    if "keel" in avail:
        for label, d, good in (("start-to-exit", st, min), ("VmHWM", rs, min),
                               ("signal latency", sg, min),
                               ("orphan reaping", og, max)):
            best = good(d, key=d.get) if d else None
            if "keel" not in d or best == "keel":
                continue
            gap = max(d["keel"], d[best]) / min(d["keel"], d[best])
            if gap < 1.1:
                s.append("- keel is within 10%% of the best on %s (%s)."
                         % (label, best))
            else:
                num = lambda x: "%.0f" % x if x >= 100 else "%.3g" % x
                s.append("- keel loses on %s to %s (%s against %s)."
                         % (label, best, num(d["keel"]), num(d[best])))
    return s


# The seed pattern's parts: result key, label, plot file (the frontier's
# file replaces -rss with -frontier).
SEED_PARTS = (("seed_c", "C", "seed-rss.png"),
              ("seed_c_450", "C, 450 MiB live", "seed-450-rss.png"),
              ("seed_py", "Python", "seed-py-rss.png"))


def write(res, out_dir, quick):
    m = res["machine"]
    allocs = [a["name"] for a in res["allocators"]]
    L = ["# keel benchmarks", "",
         "Generated by `%s` on %s; do not edit by hand. Every ratio is "
         "measured side by side in one run, the configurations alternated "
         "across repetitions: the median, with the minimum and maximum of "
         "the repetitions in brackets. Lower is better unless said otherwise."
         % ("make bench-quick" if quick else "make bench", m["date"]), "",
         "## Machine", "",
         "- CPU: %s, %d cores" % (m["cpu"], m["cores"]),
         "- kernel: %s" % m["kernel"]]
    pc = m.get("page_costs")
    if pc:
        L.append("- a page fault (first write to a fresh anonymous page): "
                 "%.2f us; copying 4 KiB between resident buffers: %.2f us "
                 "(`faultcost`): the price of every page an allocator "
                 "returns and takes back" % (pc["fault_us"], pc["copy_us"]))
    if pc and pc.get("populate_us", -1) >= 0:
        L.append("- a fresh page mapped ahead (`MADV_POPULATE_WRITE`, 64 KiB "
                 "a call): %.2f us, then %.2f us at its first write (the "
                 "hypervisor filling its own page table, where it shadows "
                 "the guest's)" % (pc["populate_us"], pc["touch_us"]))
    if pc and pc.get("hugepage_us", -1) >= 0:
        L.append("- a 2 MiB transparent huge page, mapped and written: "
                 "%.2f us per 4 KiB of it" % pc["hugepage_us"])
    L.append("- keel commit measured: %s%s" % (
        m["commit"], " (%s)" % m["commit_date"]
        if m.get("commit_date") else ""))
    for part, date in sorted(res.get("part_dates", {}).items()):
        L.append("- %s measured on %s" % (part, date))
    for pkg, ver in sorted(m["versions"].items()):
        L.append("- %s: %s" % (pkg, ver))
    L += ["", "Allocators (same binary, same seed, `LD_PRELOAD`):", ""]
    for a in res["allocators"]:
        note = a["note"]
        if a["name"] == "keel" and note.startswith("/"):
            # results written before the report stopped naming the path
            rest = note.partition(" ")[2]
            note = "libkeel.so built from the keel commit measured" + \
                (" " + rest if rest else "")
        L.append("- %s: %s" % (a["name"], note))
    for key, label, png in SEED_PARTS:
        seed = res.get(key)
        if not seed:
            continue
        L += ["", "## Seed pattern, %s (%d s per run, %d repetitions)"
              % (label, seed["seconds"], seed["reps"]), ""]
        L += ["Live is the sum of the sizes the program requested and has not "
              "freed, counted by the program itself; RSS is VmRSS sampled every "
              "100 ms. ops/s counts appends (realloc calls).", ""]
        L += seed_table(seed, allocs)
        if plot(seed, os.path.join(out_dir, png),
                "seed pattern (%s): VmRSS over time" % label):
            L += ["", "![RSS over time, %s](%s)" % (label, png)]
        if any(is_variant(n) for n in seed["alloc"]):
            L += ["", "### The frontier: RSS against speed", "",
                  "keel at other `KEEL_DECAY_MS` settings in the same run "
                  "(how long freed memory stays resident; its early purge "
                  "waits 1/32 of it), beside every allocator: lower is "
                  "leaner, more operations per second is faster.", ""]
            L += frontier_table(seed)
            fpng = png.replace("-rss.png", "-frontier.png")
            if frontier_plot(seed, os.path.join(out_dir, fpng), label):
                L += ["", "![RSS/live against speed, %s](%s)" % (label, fpng)]
    tp = res.get("throughput")
    if tp:
        L += ["", "## Throughput: time relative to glibc (%d repetitions)"
              % tp["reps"], ""]
        L += throughput_table(tp, allocs, "time_ratio")
        L += ["", "## Throughput: peak RSS relative to glibc", ""]
        L += throughput_table(tp, allocs, "rss_ratio")
        L += ["", "Workloads:", ""]
        L += ["- %s: %s (glibc: %s s)" % (r["name"], r["desc"],
                                          fx(r["alloc"]["glibc"]["time_s"]["median"]))
              for r in tp["rows"]]
    for key, png in (("idle", "idle-rss.png"), ("idle_1", "idle-1-rss.png"),
                     ("idle_small", "idle-small-rss.png"),
                     ("idle_pool", "idle-pool-rss.png")):
        idle = res.get(key)
        if not idle:
            continue
        threads = idle.get("threads", 4)
        small = idle.get("small", False)
        who = ("Four threads" if threads == 4 else
               "A single-threaded program" if threads == 1 else
               "%d threads" % threads)
        L += ["", "## Idle after a burst, %s%s (%d repetitions)"
              % ("1 thread" if threads == 1 else "%d threads" % threads,
                 ", small blocks" if small else "", idle["reps"]), ""]
        L += ["%s: %d MiB of %s blocks allocated, 90%% of them "
              "freed, then no allocator call; VmRSS every 100 ms against "
              "live bytes plus the RSS before the burst (tests/bench/idle.c)."
              % (who, idle["mib"], "64 B-4 KiB" if small else "1-256 KiB"),
              ""]
        if threads > 4:
            L += ["A pool of workers gone idle: each thread's share of the "
                  "burst is about what its own cache may keep, so an "
                  "allocator that leaves a sleeping thread's cache alone "
                  "keeps the whole burst.", ""]
        if small:
            L += ["A page that keeps one live block stays resident, so an "
                  "allocator that never moves a block cannot come near live "
                  "+ baseline here: with a tenth of the blocks left at "
                  "random, most pages of blocks under 512 bytes keep one.",
                  ""]
        L += idle_table(idle, allocs)
        if plot(idle, os.path.join(out_dir, png),
                "idle after a burst (%d thread%s%s): VmRSS over time"
                % (threads, "" if threads == 1 else "s",
                   ", small blocks" if small else "")):
            L += ["", "![RSS over time, idle](%s)" % png]
    ib = res.get("init")
    if ib:
        L += ["", "## The init as PID 1", ""]
        L += init_tables(ib)
        L += ["", "Start-to-exit is hyperfine's median over %d runs of "
              "`unshare --pid --fork --mount-proc INIT -- true` (and plain "
              "`INIT -- true`); signal latency is `kill` of PID 1 to the "
              "child's handler (direct: `kill` of the child itself), also "
              "with the init in a cpu cgroup of its own, as a container "
              "runtime runs it (the sender outside): there the kernel's "
              "per-session autogroups do not apply, which favour an init "
              "whose child has a session of its own (dumb-init)."
              % ib["start"].get("direct/pid1", {}).get("runs", 0)]
        sc = ib.get("scan") or {}
        if "per_scan_ms" in sc:
            # below 0.1 ms the difference is the machine's noise
            cost = ("%.1f ms more than" % sc["per_scan_ms"]
                    if sc["per_scan_ms"] >= 0.1 else "no more than")
            L += ["", "The statistics folder under attack: one scan of keel's "
                  "instance folder with %d hostile entries (junk names, dead "
                  "pids, FIFOs, links to /proc/1/mem, garbage of the exact "
                  "size under live pids) costs %s a scan of an empty "
                  "one (`keel stats` from nsenter, median of %d: %.1f ms "
                  "against %.1f ms)." % (sc["entries"], cost,
                                         sc["rounds"], sc["full_ms"],
                                         sc["empty_ms"])]
    L += ["", "## Reading", ""]
    for key, label, _ in SEED_PARTS:
        if res.get(key):
            L += seed_reading(res[key], "Seed pattern in " + label)
    if tp:
        L += throughput_reading(tp, allocs)
    if ib:
        L += init_reading(ib)
    for a in res["allocators"]:
        if "exports no malloc" in a["note"]:
            L.append("- libkeel.so exported no malloc in this run, so keel's "
                     "allocator columns measure glibc again: they show the "
                     "noise floor, not keel.")
    path = os.path.join(out_dir, "BENCHMARKS.md")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
    return path
