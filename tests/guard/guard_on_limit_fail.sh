#!/usr/bin/env bash
# KEEL_ON_LIMIT=fail under the real keel as PID 1 on a real cgroup v1
# limit: a shimmed Python that keeps allocating past the soft limit gets
# MemoryError (the shim's allocation fails with ENOMEM once keel sets
# deny_growth) instead of the OOM killer; it sheds its load and exits 0.
# The same program without fail is OOM-killed (the control).
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
tmpdir
trap 'cg_cleanup; rm -rf "$T"' EXIT
prog=$(cat "$TESTS/guard/shed_load.py")

cg_make "keel-test-fail-$$" "" 96M
cg_keel "$CG" KEEL_STATS_DIR="$T/s1" KEEL_RSS_LIMIT=48M KEEL_ON_LIMIT=fail \
	-- python3 -c "$prog" >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out"; grep -v '^keel: report:  ' "$T/err" | cut -c1-200
expect_eq "status with KEEL_ON_LIMIT=fail" 0 "$rc"
expect_eq "OOM kills with KEEL_ON_LIMIT=fail" 0 "$(cg_oom_kills "$CG")"
grep -q '^MemoryError after [0-9]* MiB' "$T/out" || fail "no MemoryError"
n=$(sed -n 's/^MemoryError after \([0-9]*\) MiB/\1/p' "$T/out")
[ "$n" -ge 30 ] && [ "$n" -le 90 ] || fail "MemoryError after $n MiB (soft limit 48 MiB, limit 96 MiB)"
grep -q '^allocating again: ok' "$T/out" || fail "growth still denied below the limit"

cg_make "keel-test-trim-$$" "" 96M
cg_keel "$CG" KEEL_STATS_DIR="$T/s2" KEEL_RSS_LIMIT=48M \
	-- python3 -c "$prog" >"$T/out2" 2>"$T/err2"
rc=$?
expect_eq "status without fail (OOM-killed)" 137 "$rc"
grep -q 'killed by the OOM killer' "$T/err2" || fail "no post-mortem without fail"
exit 0
