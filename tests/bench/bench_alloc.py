# bench_alloc.py: the allocator half of the suite. Finds the allocators,
# runs the seed pattern (C and Python) and the throughput workloads with
# each of them preloaded into the same binary with the same seed, and
# returns ratios to glibc measured side by side in the same repetition.
import os
import random
import shutil
import subprocess
import tempfile

from bench_lib import (geomean, median, note, rotations, run, slope_per_min,
                       summary)

PEERS = [("jemalloc", "libjemalloc.so.2"),
         ("mimalloc", "libmimalloc.so.2"),
         ("tcmalloc", "libtcmalloc_minimal.so.4")]


def find_library(soname):
    """The path of soname for this machine's architecture: ldconfig's
    cache first, then the Debian package lists."""
    try:
        cache = subprocess.run(["ldconfig", "-p"], capture_output=True,
                               text=True).stdout
    except OSError:
        cache = ""
    for line in cache.splitlines():
        parts = line.strip().split(" => ")
        if len(parts) == 2 and parts[0].split()[0] == soname:
            return parts[1]
    try:
        out = subprocess.run(["dpkg", "-S", soname], capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            path = line.split(": ", 1)[-1]
            if path.endswith("/" + soname) and os.path.exists(path):
                return path
    except OSError:
        pass
    return None


def exports_malloc(path):
    """True when the library defines malloc: a placeholder that does not
    would leave the program on glibc's malloc."""
    out = subprocess.run(["nm", "-D", "--defined-only", path],
                         capture_output=True, text=True).stdout
    return any(line.split()[-1] == "malloc" for line in out.splitlines()
               if line.split())


def allocators(libkeel):
    """[(name, path or None, note)] for glibc and every allocator found."""
    found = [("glibc", None, "no preload")]
    for name, soname in PEERS:
        path = find_library(soname)
        if path:
            found.append((name, path, path))
        else:
            note("%s (%s) not found: its column is left out" % (name, soname))
    if os.path.exists(libkeel):
        # no machine path in the report: the library is the commit's build
        remark = "libkeel.so built from the keel commit measured"
        if not exports_malloc(libkeel):
            remark += " (exports no malloc yet: the program runs on glibc)"
        found.append(("keel", libkeel, remark))
    usable = []
    for name, path, remark in found:
        env = {"LD_PRELOAD": path} if path else {}
        r = run(["/bin/true"], env=env, timeout=10)
        if not r.ok or "cannot be preloaded" in r.err:
            note("%s does not load: %s" % (name, r.err.strip()[:200]))
            continue
        usable.append((name, path, remark))
    return usable


def preload(path):
    return {"LD_PRELOAD": path} if path else {}


def gen_c_source(path, functions):
    """A large C file for gcc to chew on: many functions with loops,
    switches and structs, enough to make cc1 allocate heavily."""
    with open(path, "w") as f:
        f.write("struct s { int a, b; double c; char name[16]; };\n")
        for i in range(functions):
            f.write("""
int f%d(struct s *p, int n)
{
	int acc = %d;
	for (int i = 0; i < n; i++) {
		switch ((i + acc) %% 7) {
		case 0: acc += p[i].a * %d; break;
		case 1: acc ^= p[i].b << (i & 3); break;
		case 2: acc -= (int)(p[i].c * %d.5); break;
		case 3: acc += p[i].name[i & 15]; break;
		case 4: p[i].a = acc; break;
		default: acc = acc * 31 + i;
		}
	}
	return acc + (n > %d ? f%d(p, n - 1) : 0);
}
""" % (i, i, i % 13, i % 5, i % 97, max(i - 1, 0)))


def gen_json(path, objects):
    """A JSON array of small records, as a service's API returns them."""
    rng = random.Random(1)
    with open(path, "w") as f:
        f.write("[")
        for i in range(objects):
            tags = ",".join('"t%d"' % rng.randrange(100) for _ in range(5))
            f.write('%s{"id":%d,"name":"n%d","tags":[%s],"v":%r}' %
                    ("," if i else "", i, i, tags, rng.random()))
        f.write("]")


# hash churn: a million entries made, two thirds deleted, the rest summed
PERL_HASHES = ('my %h; my $n = shift; for my $i (1..$n) { $h{"k$i"} = '
               '[$i, "v" x ($i % 50)] } for my $i (1..$n) { delete '
               '$h{"k$i"} if $i % 3 } my $s = 0; $s += $_->[0] for '
               'values %h; print "checksum $s\n"')


def workloads(bench_bin, tests_dir, tmp, scale, cores):
    py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
    w = [
        ("churn", "single-thread small-object churn",
         [bench_bin + "/churn", str(scale)]),
        ("larson", "larson server: %d threads free each other's blocks" % cores,
         [bench_bin + "/larson", str(scale), str(cores)]),
        ("prodcons", "producer/consumer: %d pairs, every block crosses threads" % cores,
         [bench_bin + "/prodcons", str(scale), str(cores)]),
        ("realloc", "realloc growth chains to 64 KiB-4 MiB",
         [bench_bin + "/realloc", str(scale)]),
        ("mixed", "mixed sizes 16 B-4 MiB, 2 threads, pages touched",
         [bench_bin + "/mixed", str(scale)]),
    ]
    for n in sorted({1, cores, 2 * cores}):
        w.append(("threads-%d" % n, "%d thread%s, own churn each (false sharing)" % (n, "s" if n > 1 else ""),
                  [bench_bin + "/threads", str(scale), str(n)]))
    w.append(("sizes", "one thread, blocks of random sizes 16 B-1 KiB",
              [bench_bin + "/sizes", str(scale)]))
    w.append(("ownsizes-%d" % cores, "%d threads, own blocks 4 B-32 KiB "
              "(glibc's bench-malloc-thread)" % cores,
              [bench_bin + "/ownsizes", str(scale), str(cores)]))
    w.append(("handoff", "%d threads, blocks to 16 KiB, a third freed by "
              "another thread (rptest)" % cores,
              [bench_bin + "/handoff", str(scale), str(cores)]))
    w.append(("tree", "binary tree build, walk and teardown",
              [bench_bin + "/tree", str(scale)]))
    w.append(("grow", "a heap grown to 256 MiB of 16 B-64 KiB blocks, then freed",
              [bench_bin + "/grow", str(scale)]))
    w.append(("forks", "fork, a child that allocates and exits, wait: "
              "%d times after %d threads allocated" % (max(1, int(2000 * scale)), cores),
              [bench_bin + "/forks", str(scale), str(cores)]))
    w.append(("python", "CPython: objects, dicts, JSON in waves",
              [py, tests_dir + "/pyalloc.py", str(scale)]))
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc:
        src = os.path.join(tmp, "big.c")
        gen_c_source(src, max(30, int(150 * scale)))
        w.append(("gcc", "gcc -O2 compiling a generated %d-function file"
                  % max(30, int(150 * scale)),
                  [cc, "-O2", "-c", src, "-o", os.path.join(tmp, "big.o")]))
    jq = shutil.which("jq")
    if jq:
        objects = max(10000, int(300000 * scale))
        src = os.path.join(tmp, "big.json")
        gen_json(src, objects)
        # each record parsed, then walked and printed again in turn
        w.append(("jq", "jq: a JSON array of %d records parsed, each "
                  "printed again" % objects,
                  [jq, "-r", '"checksum \\([.[] | tojson | length] | add)"',
                   src]))
    perl = shutil.which("perl")
    if perl:
        n = max(10000, int(1000000 * scale))
        w.append(("perl", "perl: a hash of %d entries, two thirds deleted"
                  % n, [perl, "-e", PERL_HASHES, str(n)]))
    return w


def throughput(allocs, bench_bin, tests_dir, scale, reps, cores):
    """Time and peak RSS of every workload under every allocator, as
    ratios to glibc within the same repetition."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="keel-bench.") as tmp:
        for name, desc, argv in workloads(bench_bin, tests_dir, tmp, scale,
                                          cores):
            note("throughput: %s" % name)
            raw = {a[0]: [None] * reps for a in allocs}
            sums = {}
            for rep, (aname, path, _) in rotations(allocs, reps):
                r = run(argv, env=preload(path), timeout=300)
                if not r.ok:
                    note("%s under %s failed (exit %d): %s" %
                         (name, aname, r.rc, r.err.strip()[-200:]))
                    continue
                raw[aname][rep] = (r.wall, r.maxrss, r.minflt)
                for line in r.out.splitlines():
                    if line.startswith("checksum"):
                        sums.setdefault(line, []).append(aname)
            rows.append(throughput_row(name, desc, raw, allocs, reps, sums))
    geo = {}
    for aname, _, _ in allocs:
        geo[aname] = {
            "time": geomean([r["alloc"][aname]["time_ratio"]["median"]
                             for r in rows if r["alloc"][aname]["time_ratio"]]),
            "rss": geomean([r["alloc"][aname]["rss_ratio"]["median"]
                            for r in rows if r["alloc"][aname]["rss_ratio"]]),
        }
    return {"rows": rows, "geomean": geo, "reps": reps, "scale": scale}


def throughput_row(name, desc, raw, allocs, reps, sums):
    row = {"name": name, "desc": desc, "alloc": {},
           "checksums_agree": len(sums) <= 1}
    base = raw["glibc"]
    for aname, _, _ in allocs:
        runs = raw[aname]
        tr = [runs[i][0] / base[i][0] for i in range(reps)
              if runs[i] and base[i]]
        rr = [runs[i][1] / base[i][1] for i in range(reps)
              if runs[i] and base[i]]
        fr = [runs[i][2] / base[i][2] for i in range(reps)
              if runs[i] and base[i] and base[i][2]]
        row["alloc"][aname] = {
            "time_s": summary([x[0] for x in runs if x]),
            "maxrss": summary([x[1] for x in runs if x]),
            "time_ratio": summary(tr) if tr else None,
            "rss_ratio": summary(rr) if rr else None,
            "minflt": summary([x[2] for x in runs if x]),
            "minflt_ratio": summary(fr) if fr else None,
            "failed": sum(1 for x in runs if not x),
        }
    return row


def seed_pattern(allocs, argv_for, seconds, reps, label):
    """Runs the seed pattern under each allocator; the sampler inside the
    program writes (seconds, VmRSS, live bytes) every 100 ms."""
    res = {a[0]: [] for a in allocs}
    with tempfile.TemporaryDirectory(prefix="keel-seed.") as tmp:
        for rep, (aname, path, _, *extra) in rotations(allocs, reps):
            note("seed pattern (%s): %s, repetition %d" % (label, aname, rep + 1))
            samples = os.path.join(tmp, "%s.%d" % (aname, rep))
            env = preload(path)
            env.update(extra[0] if extra else {})
            r = run(argv_for(seconds, samples), env=env,
                    timeout=seconds * 4 + 60)
            if not r.ok:
                note("seed (%s) under %s failed (exit %d): %s" %
                     (label, aname, r.rc, r.err.strip()[-200:]))
                res[aname].append(None)
                continue
            pts = []
            with open(samples) as f:
                for line in f:
                    t, rss, live = line.split()
                    pts.append((float(t), int(rss), int(live)))
            res[aname].append(seed_stats(pts, r))
    out = {}
    for aname, *_ in allocs:
        runs = [x for x in res[aname] if x]
        out[aname] = {k: summary([x[k] for x in runs])
                      for k in ("rss_live_final", "rss_live_2nd_half",
                                "slope_mib_min", "peak_rss", "ops_s",
                                "final_rss")}
        out[aname]["failed"] = len(res[aname]) - len(runs)
        # the run with the median final ratio is the one plotted
        if runs:
            runs.sort(key=lambda x: x["rss_live_final"])
            out[aname]["samples"] = runs[len(runs) // 2]["samples"]
    base = out.get("glibc", {})
    for aname in out:
        for k in ("rss_live_final", "peak_rss", "ops_s"):
            b = base.get(k, {}).get("median")
            v = out[aname][k]["median"]
            out[aname][k + "_vs_glibc"] = v / b if b and v else None
    return {"seconds": seconds, "reps": reps, "alloc": out}


# KEEL_DECAY_MS settings besides the default (500) for the seed pattern's
# frontier: RSS/live against operations per second.
FRONTIER_DECAY_MS = (100, 1000, 2000, 4000, 10000)


def frontier_configs(libkeel):
    """keel at other KEEL_DECAY_MS settings, as extra seed configurations."""
    return [("keel decay=%dms" % d, libkeel, "KEEL_DECAY_MS=%d" % d,
             {"KEEL_DECAY_MS": str(d)}) for d in FRONTIER_DECAY_MS]


def seed_stats(pts, r):
    """final RSS/live, median RSS/live and RSS slope over the second half,
    peak RSS, operations per second."""
    t_end = pts[-1][0]
    half = [p for p in pts if p[0] >= t_end / 2]
    ops = secs = None
    for line in r.out.splitlines():
        f = line.split()
        if f and f[0] == "ops":
            ops, secs = int(f[1]), float(f[3])
    last = pts[-1]
    return {
        "rss_live_final": last[1] / last[2] if last[2] else None,
        "rss_live_2nd_half": median([p[1] / p[2] for p in half if p[2]]),
        "slope_mib_min": slope_per_min([(p[0], p[1]) for p in half]),
        "peak_rss": max(r.maxrss, max(p[1] for p in pts)),
        "final_rss": last[1],
        "ops_s": ops / secs if ops and secs else None,
        "samples": [[p[0], p[1], p[2]] for p in pts],
    }


def idle(allocs, bench_bin, scale, reps, threads=4, small=False):
    """RSS of a process that goes idle after a burst (tests/bench/idle.c,
    by threads threads; 1: the main thread alone; small: 64 B-4 KiB
    blocks): right after the frees, 1 s later and at the end, over live +
    the RSS before the burst."""
    res = {a[0]: [] for a in allocs}
    for rep, (aname, path, _) in rotations(allocs, reps):
        note("idle, %d thread(s)%s: %s, repetition %d" % (
            threads, ", small blocks" if small else "", aname, rep + 1))
        r = run([bench_bin + "/idle", str(scale), str(threads)] +
                (["small"] if small else []),
                env=preload(path), timeout=120)
        if not r.ok:
            note("idle under %s failed (exit %d): %s" %
                 (aname, r.rc, r.err.strip()[-200:]))
            continue
        base = live = None
        pts = []
        for line in r.out.splitlines():
            f = line.split()
            if f[:1] == ["idle:"]:
                base, live = int(f[2]), int(f[4])
            elif f[:1] == ["sample"]:
                pts.append((float(f[1]), int(f[2])))
        if not pts or not live:
            continue
        floor = live + base
        at = {round(t, 1): v for t, v in pts}
        res[aname].append({"rss_0": pts[0][1], "rss_1s": at.get(1.0),
                           "ratio_1s": at.get(1.0, 0) / floor,
                           "ratio_end": pts[-1][1] / floor,
                           "samples": [[t, v, floor] for t, v in pts]})
    out = {}
    for aname, _, _ in allocs:
        runs = res[aname]
        out[aname] = {k: summary([x[k] for x in runs])
                      for k in ("rss_0", "rss_1s", "ratio_1s", "ratio_end")}
        if runs:
            runs.sort(key=lambda x: x["ratio_1s"])
            out[aname]["samples"] = runs[len(runs) // 2]["samples"]
    return {"reps": reps, "seconds": 3,
            "mib": int((100 if small else 400) * scale),
            "threads": threads, "small": small, "alloc": out}
