#!/usr/bin/env bash
# Live data that really exceeds a real cgroup v1 limit: the guard's report
# comes before the kill, the post-mortem after it says in plain words that
# the OOM killer did it, with the last published heap statistics, and the
# stats file is removed. With KEEL_ON_LIMIT=fail the control file's
# deny_growth stops the growth instead, and clears when usage falls.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need musl-gcc
tmpdir
chmod 755 "$T"
drv=$("$TESTS/guard/build-driver") || fail "driver build failed"
purger=$BUILD/tests/guard/purger
[ -x "$purger" ] || fail "$purger missing (make test-programs)"
trap 'cg_cleanup; rm -rf "$T"' EXIT
cg_make "keel-test-oom-$$" "" 64M
echo 0 > "$CG/memory.swappiness" 2>/dev/null

# 1. trim and report (the default): the child is OOM-killed anyway
KEEL_STATS_DIR=$T/s1 cg_run "$CG" "$drv" guard 8 "$purger" "$T/s1" 4 grow \
	>"$T/drv.out" 2>"$T/drv.err" &
drv_pid=$!
for _ in $(seq 160); do grep -q 'killed by the OOM killer' "$T/drv.err" && break; sleep 0.05; done
kill "$drv_pid" 2>/dev/null; wait "$drv_pid" 2>/dev/null
cat "$T/drv.out" "$T/drv.err"
child=$(grep -o 'purger (pid [0-9]*)' "$T/drv.err" | grep -o '[0-9]*' | head -n1)
[ -n "$child" ] || fail "no post-mortem"
expect_match "post-mortem" "keel: error: purger \\(pid $child\\) was killed by the OOM killer at 64 MiB; heap: [0-9]+ MiB in use, 0 MiB free-resident" "$(cat "$T/drv.err")"
# the report came first, then the post-mortem's statistics
report_line=$(grep -n '"memory-report"' "$T/drv.err" | head -n1 | cut -d: -f1)
pm_line=$(grep -n 'killed by the OOM killer' "$T/drv.err" | cut -d: -f1)
[ -n "$report_line" ] || fail "no report before the kill"
[ "$report_line" -lt "$pm_line" ] || fail "report after the post-mortem"
grep -q "^{\"keel\":\"oom-kill\",\"time\":[0-9]*,\"pid\":$child,\"command\":\"purger\",\"limit\":67108864,\"in_use\":[1-9]" "$T/drv.err" ||
	fail "no post-mortem JSON line"
grep -q "^keel: report:   last heap statistics of pid $child:" "$T/drv.err" || fail "no readable post-mortem"
[ -e "$T/s1/$child" ] && fail "stats file of the dead process left behind"
kills=$(awk '/^oom_kill /{print $2}' "$CG/memory.oom_control")
echo "oom_kill counter: $kills"
[ "${kills:-0}" -ge 1 ] || fail "the kernel did not count an OOM kill"

# 2. KEEL_ON_LIMIT=fail: growth stops at the soft limit, no kill
KEEL_STATS_DIR=$T/s2 KEEL_ON_LIMIT=fail KEEL_RSS_LIMIT=40M cg_run "$CG" "$drv" guard 8 \
	"$purger" "$T/s2" 4 grow >"$T/drv2.out" 2>"$T/drv2.err" &
drv_pid=$!
for _ in $(seq 100); do [ -e "$T/s2/control" ] && break; sleep 0.05; done
deny() { python3 -c 'import struct,sys; print(struct.unpack_from("<I", open(sys.argv[1],"rb").read(), 20)[0])' "$T/s2/control"; }
for _ in $(seq 100); do [ "$(deny)" = 1 ] && break; sleep 0.05; done
[ "$(deny)" = 1 ] || { cat "$T/drv2.out" "$T/drv2.err"; fail "deny_growth not set while over"; }
usage=$(cat "$CG/memory.usage_in_bytes")
echo "usage while denied: $usage"
[ "$usage" -lt $((56 << 20)) ] || fail "usage $usage did not stop near the soft limit"
p=$(pgrep -f "^$purger $T/s2" | head -n1)
[ -n "$p" ] || fail "the purger died under KEEL_ON_LIMIT=fail"
kill -9 "$p"
for _ in $(seq 100); do [ "$(deny)" = 0 ] && break; sleep 0.05; done
expect_eq "deny_growth cleared below" 0 "$(deny)"
grep -q 'killed by the OOM killer' "$T/drv2.err" && fail "an OOM kill reported for our own SIGKILL"
kill "$drv_pid" 2>/dev/null; wait "$drv_pid" 2>/dev/null
cat "$T/drv2.err"
exit 0
