#!/usr/bin/env bash
# injected: `docker run --read-only --user 1000 -m 256m --memory-swap 256m
# --network none keel-demo CMD`, as users run the demo image: keel is PID 1
# as uid 1000 on a read-only root, sees the 256 MiB limit, and the app has
# libkeel.so mapped (the allocator injected, from keel's own memfd: no file in
# the image) and first in its LD_PRELOAD; the app's exit status is docker
# run's.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

probe='
import os, sys
def check(what, ok):
    if not ok:
        print("probe: " + what, flush=True); sys.exit(1)
maps = [l.split(None, 5)[-1].strip() for l in open("/proc/self/maps")]
lib = [m for m in maps if "libkeel" in m]
check("libkeel.so is not mapped: %s" % sorted(set(maps)), lib)
pre = os.environ.get("LD_PRELOAD", "").replace(":", " ").split()
check("no LD_PRELOAD", pre)
first = os.path.realpath(pre[0]) if pre[0].startswith("/proc/self/fd/") else pre[0]
check("LD_PRELOAD[0] %s is %s, not libkeel" % (pre[0], first), "libkeel" in first)
check("pid 1 is %r" % open("/proc/1/comm").read().strip(),
      open("/proc/1/comm").read().strip() == "keel")
st = dict(l.split(":", 1) for l in open("/proc/1/status"))
check("pid 1 uid %s" % st["Uid"].split(), st["Uid"].split() == ["1000"] * 4)
check("uid %s" % (os.getresuid(),), os.getresuid() == (1000,) * 3)
try:
    open("/probe", "w"); check("the root is writable", False)
except OSError as e:
    check("root not read-only: %s" % e, e.errno == 30)
lim = int(open("/sys/fs/cgroup/memory/memory.limit_in_bytes").read()) \
    if os.path.exists("/sys/fs/cgroup/memory") else \
    int(open("/sys/fs/cgroup/memory.max").read())
check("limit %d" % lim, lim == 256 << 20)
check("cwd %s" % os.getcwd(), os.getcwd() == "/app")
print("probe: pid %d, %s, %s" % (os.getpid(), pre[0], lib[0]), flush=True)
sys.exit(int(sys.argv[1]))
'
for code in 0 7; do
	out=$(docker run --rm "${USER_RUN[@]}" keel-demo python3 -c "$probe" "$code" 2>&1)
	rc=$?
	echo "$out"
	expect_match "probe" '^probe: pid [0-9]+, ' "$(grep '^probe:' <<<"$out")"
	expect_eq "docker run's exit status (the app's $code)" "$code" "$rc"
done
# keel says nothing at its default verbosity when all is well
expect_eq "keel's messages" "" "$(grep '^keel' <<<"$out")"
exit 0
