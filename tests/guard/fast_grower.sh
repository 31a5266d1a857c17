#!/usr/bin/env bash
# A fast grower (1 MiB blocks malloc'd and touched as fast as it can, 300
# of them under a 100 MiB limit: well over 1 GiB/s here) under the real
# keel as PID 1, with the cgroup read-only as Docker mounts it: no threshold
# event, keel polls every 50 ms, and the grower goes from the soft limit to
# the OOM killer in a few ms. The shim's check at growth must win anyway:
# - KEEL_ON_LIMIT=trim (default): an idle shimmed process serves a trim and
#   keel's report is in the log before the OOM kill's post-mortem;
# - KEEL_ON_LIMIT=fail: the idle process serves a trim, the grower gets
#   ENOMEM once usage stays over the soft limit, no OOM kill.
# keel says at -v that it polls and the shims check; without the check (no
# statistics folder), at the default verbosity.
# Prints the growth rate, the time from the crossing to the idle process's
# trim, and how far the grower got past the soft limit before it (at most
# a segment and a block: with polling only, the limit).
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
tmpdir
grower=$BUILD/tests/guard/grower
trimlat=$BUILD/tests/guard/trimlat
[ -x "$grower" ] && [ -x "$trimlat" ] || fail "test programs missing (make test-programs)"
trap 'cg_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
chmod 755 "$T"
soft=$((90 << 20))

# run NAME VAR=VALUE...: the idle process, its watcher, then the grower,
# which watches the idle process's trim too
run() {
	local name=$1
	shift
	cg_make "keel-test-grow-$name-$$" "" 100M
	cg_keel_ro "$CG" KEEL_STATS_DIR="$T/stats-$name" KEEL_DECAY_MS=60000 \
		KEEL_VERBOSITY=2 "$@" -- sh -c '
"$0" idle 24 > "$1/idle.out" &
for i in $(seq 100); do grep -qs ready "$1/idle.out" && break; sleep 0.05; done
f=$(echo "$KEEL_STATS_DIR/$!".*)
"$2" watch "$f" > "$1/watch.out" &
sleep 0.2
# the grower is keel'"'"'s child (pid 2): its OOM kill gets the post-mortem
exec "$2" grow 300 1048576 "$3/memory.usage_in_bytes" '"$soft"' "$f" > "$1/grow.out"' \
		"$trimlat" "$T" "$grower" "$CG" >"$T/out" 2>"$T/err"
	rc=$?
	cat "$T/grow.out" "$T/watch.out"
	grep -v -e '^keel: report:  ' -e '^keel: debug:' -e '^keel: info: \(started\|reaped\|statistics\)' "$T/err" | cut -c1-200
	grep -q '^trimmed ' "$T/watch.out" ||
		fail "the idle process never served a trim"
}

# KEEL_ON_LIMIT=trim: killed anyway (300 MiB of live data), but the idle
# process trimmed and the report came first
run trim
expect_eq "status (OOM-killed)" 137 "$rc"
rate=$(sed -n 's/.*rate_mib_s=\([0-9]*\).*/\1/p' "$T/grow.out")
[ -n "$rate" ] || fail "the grower never crossed the soft limit"
echo "growth rate: $rate MiB/s"
[ "$rate" -ge 1024 ] || echo "note: slower than 1 GiB/s on this machine"
expect_eq "OOM kills" 1 "$(cg_oom_kills "$CG")"
t_cross=$(sed -n 's/.*crossed at_us=\([0-9]*\).*/\1/p' "$T/grow.out")
t_trim=$(sed -n 's/^trimmed at_us=\([0-9]*\).*/\1/p' "$T/watch.out")
echo "measured: crossing -> idle process trimmed $(((t_trim - t_cross) / 1000)).$(((t_trim - t_cross) % 1000 / 100)) ms"
# the check at growth: usage is read at each new segment (3 blocks here),
# and the grower waits there until keel trimmed everyone. Polling alone,
# it reaches the limit, 10 MiB past the soft limit, first.
past=$(sed -n 's/^other trimmed, seen at block=[0-9]*, \([0-9]*\)\.[0-9] MiB after the crossing$/\1/p' "$T/grow.out")
[ -n "$past" ] || fail "the grower never saw the idle process trimmed"
[ "$past" -le 5 ] || fail "the grower got $past MiB past the soft limit before the idle process trimmed"
n_report=$(grep -n '^{"keel":"memory-report"' "$T/err" | head -n1 | cut -d: -f1)
n_oom=$(grep -n '^keel: error: grower (pid [0-9]*) was killed by the OOM killer' "$T/err" | cut -d: -f1)
[ -n "$n_oom" ] || fail "no post-mortem"
[ -n "$n_report" ] || fail "no report"
[ "$n_report" -lt "$n_oom" ] || fail "the report came after the kill"
# what keel says of it, at -v: the threshold event is not there, the check is
grep -q "^keel: info: memory guard: no usage threshold event (.*: Read-only file system): polling usage every 50 ms, and shimmed processes check it as their heaps grow$" "$T/err" ||
	fail "keel did not say the cgroup is read-only"
grep -q "^keel: info: memory guard: soft limit $soft bytes of $((100 << 20)) (cgroup v1, polling every 50 ms, checked at growth)$" "$T/err" ||
	fail "keel did not say how it watches"
grep -q '^keel: warning: memory guard' "$T/err" && fail "a warning for a guard that works"

# KEEL_ON_LIMIT=fail: the allocation fails before the OOM killer acts
run fail KEEL_ON_LIMIT=fail
expect_eq "status (ENOMEM, then exit 0)" 0 "$rc"
grep -q '^ENOMEM after [0-9]* blocks' "$T/grow.out" || fail "no ENOMEM"
expect_eq "OOM kills with KEEL_ON_LIMIT=fail" 0 "$(cg_oom_kills "$CG")"

# no statistics folder anywhere (every default read-only too): no check at
# growth, so the fallback is a real gap, said at the default verbosity
cg_make "keel-test-grow-nocheck-$$" "" 100M
cg_run "$CG" unshare --mount --propagation private sh -c '
for d in "$0" /dev/shm /run /tmp; do
	mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 125
done
exec "$@"' "$CG" env -u KEEL_BIN -u KEEL_TOP -u KEEL_STATS_DIR \
	unshare --pid --fork --mount-proc "$KEEL_BIN" -- true 2>"$T/err"
expect_eq "status without a statistics folder" 0 "$?"
cat "$T/err"
grep -q "^keel: warning: memory guard: no usage threshold event (.*: Read-only file system): polling usage every 50 ms only; a fast grower may meet the OOM killer first$" "$T/err" ||
	fail "no warning for polling alone"
exit 0
