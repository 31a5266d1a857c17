# bench_lib.py: what every part of the benchmark runner shares: running one
# process with its wall time and peak RSS (wait4), statistics (median,
# spread, geometric mean, percentile), and the alternation of
# configurations across repetitions, so every ratio is side by side.
import math
import os
import signal
import subprocess
import sys
import tempfile
import time


def note(msg):
    """Progress goes to stderr: one line per step, nothing else."""
    print("bench: info: %s" % msg, file=sys.stderr, flush=True)


class Run:
    def __init__(self, rc, wall, maxrss, minflt, out, err):
        self.rc, self.wall, self.maxrss = rc, wall, maxrss
        self.minflt = minflt
        self.out, self.err = out, err

    @property
    def ok(self):
        return self.rc == 0


def run(argv, env=None, timeout=120, cwd=None):
    """Runs argv to completion; returns its status, wall seconds and peak
    RSS in bytes (ru_maxrss of it and the children it waited for)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        full_env = dict(os.environ)
        full_env.update(env or {})
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=err, env=full_env,
                             cwd=cwd, stdin=subprocess.DEVNULL)

        def on_alarm(sig, frame):
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(int(timeout))
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(p.returncode, wall, ru.ru_maxrss * 1024, ru.ru_minflt,
                   out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"))


def rotations(configs, reps):
    """Yields (rep, config) so each repetition starts with a different
    configuration: no configuration always runs first or last."""
    for rep in range(reps):
        k = rep % len(configs)
        for c in configs[k:] + configs[:k]:
            yield rep, c


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    k = min(len(xs) - 1, max(0, int(math.ceil(p / 100.0 * len(xs))) - 1))
    return xs[k]


def spread(xs):
    """[min, max] of the repetitions: the honest spread for few samples."""
    xs = [x for x in xs if x is not None]
    return [min(xs), max(xs)] if xs else None


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def summary(xs):
    return {"median": median(xs), "spread": spread(xs),
            "n": len([x for x in xs if x is not None])}


def slope_per_min(points):
    """Least-squares slope of (seconds, bytes) points in MiB per minute."""
    if len(points) < 2:
        return None
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    if den == 0:
        return None
    num = sum((t - mt) * (v - mv) for t, v in points)
    return num / den * 60 / (1 << 20)
