#!/usr/bin/env bash
# The guard on cgroup v2 (not mounted with memory here, so on a copy of the
# v2 fixture tree): finds the pod's 512 MiB limit up the tree, polls
# memory.current, and when the test writes a usage over KEEL_RSS_LIMIT the
# idle purger is asked to trim; usage back below clears deny_growth.
. "$TESTS/lib.sh"
need musl-gcc
tmpdir
drv=$("$TESTS/guard/build-driver") || fail "driver build failed"
purger=$BUILD/tests/guard/purger
[ -x "$purger" ] || fail "$purger missing (make test-programs)"
cp -r "$TESTS/guard/fixtures/v2" "$T/root"
cur=$T/root/sys/fs/cgroup/kubepods/pod1/app/memory.current
echo 100000000 > "$cur"

GUARD_DRV_ROOT=$T/root KEEL_STATS_DIR=$T/stats KEEL_RSS_LIMIT=50% \
	KEEL_ON_LIMIT=fail "$drv" guard 5 >"$T/drv.out" 2>"$T/drv.err" &
drv_pid=$!
trap 'kill $drv_pid $pp 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -e "$T/stats/control" ] && break; sleep 0.05; done
[ -e "$T/stats/control" ] || fail "no control file"
expect_match "v2 polling" "soft limit 268435456 bytes of 536870912 \\(cgroup v2, polling\\)" "$(cat "$T/drv.err")"
"$purger" "$T/stats" 1 >"$T/p.out" 2>&1 &
pp=$!
for _ in $(seq 100); do grep -q '^ready' "$T/p.out" && break; sleep 0.05; done
sleep 0.2
grep -q '^trim' "$T/p.out" && fail "trim below the soft limit"

echo 300000000 > "$cur"
for _ in $(seq 100); do grep -q '^deny_growth=1' "$T/p.out" && break; sleep 0.05; done
cat "$T/p.out"
grep -q '^trim epoch=1 ' "$T/p.out" || { cat "$T/drv.err"; fail "no trim on v2"; }
grep -q '^deny_growth=1' "$T/p.out" || fail "deny_growth not set while over"
echo 100000000 > "$cur"
for _ in $(seq 100); do grep -q '^deny_growth=0' "$T/p.out" && break; sleep 0.05; done
grep -q '^deny_growth=0' "$T/p.out" || fail "deny_growth not cleared below"
cat "$T/drv.err"
# the report read the fixture's memory.stat
grep -q '"anon":104857600,"file":52428800,"kernel":8388608' "$T/drv.err" ||
	fail "report without the memory.stat split"
exit 0
