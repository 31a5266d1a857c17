#!/usr/bin/env bash
# memory.high set below memory.max (a user's or an orchestrator's
# throttle point, e.g. Kubernetes' MemoryQoS): the kernel throttles the
# application once usage passes memory.high (no swap: the app stalls), so
# the guard must trim before that: its soft limit may be no higher than
# memory.high. Shown with the real keel as PID 1 in a cgroup namespace
# (max 64 MiB, high 48 MiB): the soft limit it picks, and what happens when
# an app with freeable memory grows past memory.high.
. "$TESTS/vm/vm-lib"
high=$((48 << 20))
cg_make "high-$$" "" 64M $high
out=$(ctr -C "$CG" KEEL_VERBOSITY=2 KEEL_STATS_DIR=/tmp/stats -- true 2>&1)
echo "$out"
soft=$(printf '%s\n' "$out" | sed -n 's/.*memory guard: soft limit \([0-9]*\) bytes.*/\1/p')
[ -n "$soft" ] || fail "no soft limit in keel's info lines"

# the consequence: an idle shimmed process holds free memory a trim would
# return; another one grows 2 MiB past memory.high. Does keel trim?
ctr -C "$CG" KEEL_STATS_DIR=/tmp/s KEEL_DECAY_MS=60000 -- dash -c '
/build/tests/guard/trimlat idle 40 > /tmp/idle.out &
idle=$!
for i in $(seq 100); do grep -q ready /tmp/idle.out && break; sleep 0.1; done
sleep 0.5
start=$(cut -d" " -f1 /proc/uptime)
/build/tests/guard/trimlat hog $idle "$(echo "$KEEL_STATS_DIR/$idle".*)" /sys/fs/cgroup/memory.current '"$high"' 64
echo "hog status $? after $(awk -v a=$start -v b=$(cut -d" " -f1 /proc/uptime) "BEGIN { print b - a }") s"
kill $idle' > /tmp/out 2> /tmp/err
cat /tmp/out
grep -v '^keel: report:  ' /tmp/err | cut -c1-200
echo "memory.events: $(tr '\n' ' ' < "$CG/memory.events")"
reports=$(grep -c '"memory-report"' /tmp/err)
echo "keel's soft limit $soft bytes, memory.high $high bytes, memory.max 67108864; reports: $reports"
[ "$soft" -le "$high" ] ||
	fail "memory.high ($high) below memory.max is not taken as the limit: keel trims at $soft"
grep -q 'hog status 0' /tmp/out || fail "no trim when usage passed memory.high"
exit 0
