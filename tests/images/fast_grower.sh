#!/usr/bin/env bash
# fast_grower: the demo image under `docker run -m 100m` (read-only, uid
# 1000, no swap), where Docker mounts the cgroup read-only so keel has no
# threshold event and polls every 50 ms. An idle shimmed Python holds ~18
# MiB free (KEEL_DECAY_MS=60000), and the app allocates 300 x 1 MiB as fast
# as it can (well under a second, ~10 ms from the soft limit to the limit).
# The shim's check at growth must still get the idle process trimmed and
# keel's report into `docker logs` before the OOM kill; with
# KEEL_ON_LIMIT=fail the app gets MemoryError and no OOM kill. Prints the
# growth rate and the time from the crossing to the idle process's trim.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

# the idle process watches its own statistics file (trim_epoch_done at
# offset 104 of struct keel_heap_stats) and says when it served a trim
idle='
import glob, os, struct, time
keep = [bytearray(b"\1") * 64000 for i in range(400)]
for i in range(len(keep)):
    if i % 4:
        keep[i] = None
path = None
while not path:
    path = (glob.glob("%s/%d.*" % (os.environ["KEEL_STATS_DIR"], os.getpid())) or [None])[0]
    time.sleep(0.01)
fd = os.open(path, os.O_RDONLY)
def epoch():
    return struct.unpack("<I", os.pread(fd, 4, 104))[0]
e0 = epoch()
print("idle ready", flush=True)
open("/dev/shm/idle-ready", "w").close()
while epoch() == e0:
    time.sleep(0.0002)
print("idle trimmed at %.6f" % time.monotonic(), flush=True)
time.sleep(3600)'
# usage from the container'"'"'s cgroup (v1 or v2), read after each step
grow='
import sys, time
usage = None
for p in ("/sys/fs/cgroup/memory/memory.usage_in_bytes", "/sys/fs/cgroup/memory.current"):
    try:
        usage = open(p, "rb")
        break
    except OSError:
        pass
def used():
    usage.seek(0)
    return int(usage.read())
soft = int(sys.argv[1])
keep, crossed, t0 = [], False, time.monotonic()
try:
    for i in range(300):
        step = time.monotonic()
        keep.append(b"\1" * (1 << 20))
        if not crossed and used() >= soft:
            crossed = True
            print("crossed at %.6f after %d MiB, %.0f MiB/s" %
                  (step, i + 1, (i + 1) / (time.monotonic() - t0)), flush=True)
except MemoryError:
    n = len(keep)
    keep = None
    print("MemoryError after %d MiB" % n, flush=True)
    sys.exit(0)
print("grew 300 MiB in %.0f ms" % ((time.monotonic() - t0) * 1000), flush=True)'
soft=$((90 << 20))

# run NAME [docker run args]: the idle process, then the grower as keel's
# child (its OOM kill gets the post-mortem)
run() {
	local name=$1
	shift
	dstart c --read-only --user 1000 -m 100m --memory-swap 100m \
		--network none -e KEEL_DECAY_MS=60000 -e KEEL_VERBOSITY=2 "$@" \
		keel-demo sh -c '
python3 -c "$0" &
i=0; while [ $i -lt 100 ] && ! [ -e /dev/shm/idle-ready ]; do i=$((i + 1)); sleep 0.05; done
sleep 0.2
exec python3 -c "$1" "$2"' "$idle" "$grow" "$soft"
	rc=$(timeout 60 docker wait "$c") || fail "the container still runs after 60 s"
	docker logs "$c" >"$T/out" 2>"$T/err"
	cat "$T/out"
	grep -v -e '^keel: report:  ' -e '^keel: info: \(started\|reaped\|statistics\)' "$T/err" | cut -c1-200
	grep -q '^idle ready' "$T/out" || fail "the idle process did not start"
	grep -q '^idle trimmed' "$T/out" || fail "the idle process never served a trim"
	grep -q '^keel: info: memory guard: no usage threshold event (/sys/fs/cgroup/memory/cgroup.event_control: .*): polling usage every 50 ms, and shimmed processes check it as their heaps grow$' "$T/err" ||
		fail "keel did not say it has no threshold event"
	rate=$(sed -n 's/^crossed .*, \([0-9]*\) MiB\/s$/\1/p' "$T/out")
	t_cross=$(sed -n 's/^crossed at \([0-9.]*\) .*/\1/p' "$T/out")
	t_trim=$(sed -n 's/^idle trimmed at \([0-9.]*\)$/\1/p' "$T/out")
	[ -n "$t_cross" ] && echo "$name: growth ${rate} MiB/s; crossing -> idle process trimmed $(echo "($t_trim - $t_cross) * 1000" | bc) ms"
}

run trim
expect_eq "exit status" 137 "$rc"
expect_eq "docker inspect: OOMKilled" true "$(docker inspect -f '{{.State.OOMKilled}}' "$c")"
n_report=$(grep -n '^{"keel":"memory-report"' "$T/err" | head -n1 | cut -d: -f1)
n_oom=$(grep -nE '^keel: error: python3 \(pid [0-9]+\) was killed by the OOM killer at 100 MiB' "$T/err" | cut -d: -f1)
[ -n "$n_oom" ] || fail "no post-mortem line in docker logs"
[ -n "$n_report" ] || fail "no memory report in docker logs"
[ "$n_report" -lt "$n_oom" ] || fail "the report came after the kill"

run fail -e KEEL_ON_LIMIT=fail
expect_eq "exit status with KEEL_ON_LIMIT=fail" 0 "$rc"
expect_eq "docker inspect: OOMKilled with KEEL_ON_LIMIT=fail" false "$(docker inspect -f '{{.State.OOMKilled}}' "$c")"
grep -q '^MemoryError after [0-9]* MiB$' "$T/out" || fail "no MemoryError"
exit 0
