#!/usr/bin/env bash
# The guard's report waits for the trims it reports on. The real keel as
# PID 1 on a real cgroup v1 limit: an idle shimmed process holding free
# memory is stopped (SIGSTOP: its purger cannot run, as on a slow or busy
# machine), another process grows over the soft limit, and the idle one is
# let go 60 ms after keel's trim, past the report's usual delay of 50 ms. The
# report must come after its trim: it shows the idle process trimmed, not
# as it was before.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
trimlat_setup "keel-test-report-waits-$$" 128M
soft=$((64 << 20))

cg_keel "$CG" KEEL_STATS_DIR="$T/stats" KEEL_RSS_LIMIT=64M KEEL_DECAY_MS=60000 \
	-- sh -c "$TRIMLAT_IDLE"'
sleep 0.5
kill -STOP $idle
# the watcher (no allocator: nothing of keel'"'"'s slows it): 60 ms after
# keel'"'"'s trim (the control file'"'"'s trim_epoch, at offset 16, moves), it
# lets the idle process go; after 30 s with no trim it says so and lets go
env -u LD_PRELOAD /usr/bin/python3 -c "
import os, signal, struct, sys, time
f = open(os.environ[\"KEEL_STATS_DIR\"] + \"/control\", \"rb\")
deadline = time.monotonic() + 30
while True:
    f.seek(16)
    if struct.unpack(\"I\", f.read(4))[0]:
        break
    if time.monotonic() > deadline:
        print(\"watcher: no trim in 30 s\", file=sys.stderr)
        break
    time.sleep(0.001)
time.sleep(0.06)
os.kill(int(sys.argv[1]), signal.SIGCONT)" $idle &
watcher=$!
# grow past the soft limit in 1 MiB steps, and hold
/usr/bin/python3 -c "
import sys, time
usage = open(sys.argv[1] + \"/memory.usage_in_bytes\")
held = []
deadline = time.monotonic() + 30
while True:
    usage.seek(0)
    if int(usage.read()) >= int(sys.argv[2]):
        break
    if time.monotonic() > deadline:
        sys.exit(\"hog: usage still under the soft limit after 30 s\")
    held.append(bytearray(1 << 20))
print(\"crossed\", flush=True)
time.sleep(1.5)" "$2" '"$soft"' > "$1/hog.out" &
hog=$!
wait $watcher
wait $hog
kill $idle' "$prog" "$T" "$CG" >"$T/out" 2>"$T/err"
rc=$?
grep -v '^keel: report:  ' "$T/err" | cut -c1-300
expect_eq "keel status" 0 "$rc"
grep -q crossed "$T/hog.out" || fail "the grower did not cross the soft limit"
json=$(grep '^{"keel":"memory-report"' "$T/err" | head -n 1)
[ -n "$json" ] || fail "no report"
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
idle = [p for p in r["processes"] if p["command"] == "trimlat"]
assert idle, "the idle process is not in the report"
p = idle[0]
print("idle process in the first report: trims %d, free-resident %d KiB, returned %d MiB"
      % (p["trims"], p["free_resident"] >> 10, p["returned"] >> 20))
assert p["trims"] >= 1, "the report shows the idle process before its trim"
assert p["free_resident"] < 2 << 20, p
' "$json" || fail "the report did not wait for the stopped process's trim"
exit 0
